/*
 * A WooCommerce checkout page's Kustom/Klarna Checkout script, as the plugin's does it
 * (our own code; it mirrors what krokedil/klarna-checkout-for-woocommerce 2.20.9 does in
 * assets/js/klarna-checkout-for-woocommerce.js at 8d3290d31426ba4302543ff0fb001aae40d58eac):
 *
 * - on DOM ready, only when `typeof window._klarnaCheckout === "function"` (the snippet's
 *   inline script must have defined it by then), it registers its handlers with one
 *   `api.on({...})`: shipping_address_change, billing_address_change, change,
 *   order_total_change, shipping_option_change, can_not_complete_order, validation_callback,
 *   customer, checkbox_change, redirect_initiated;
 * - shipping_address_change copies the address into the form and triggers WooCommerce's
 *   `update_checkout`, which suspends the iframe (`api.suspend({autoResume: {enabled: true}})`),
 *   posts `?wc-ajax=update_order_review` (the shop updates the checkout order) and resumes;
 * - validation_callback(data, callback): posts `?wc-ajax=kco_wc_get_klarna_order` (the shop
 *   reads the checkout order and answers its addresses), fills the form, posts the form to
 *   `?wc-ajax=checkout` and calls `callback({should_proceed: true})` on `{"result":"success"}`,
 *   else `callback({should_proceed: false, message})` and shows the error;
 * - logs to `?wc-ajax=kco_wc_log_js` as the plugin does.
 */
(function () {
  "use strict";
  var params = window.kco_params;
  var state = { suspended: false, shippingAddressKnown: false, validation: false };
  var seen = [];
  window.kcoShopEvents = seen;

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(url, {
      method: "POST",
      headers: { "X-Requested-With": "XMLHttpRequest" },
      body: body,
      credentials: "same-origin",
    }).then(function (r) { return r.json(); });
  }

  function form() {
    var out = {};
    new FormData(document.querySelector("form.checkout")).forEach(function (v, k) { out[k] = v; });
    return out;
  }

  function set(id, value) {
    var el = document.getElementById(id);
    if (el && value !== undefined && value !== null) { el.value = value; }
  }

  function logToFile(message) {
    post(params.log_to_file_url, { message: message, nonce: params.log_to_file_nonce });
  }

  function suspend(api, autoResume) {
    if (state.validation || state.suspended || !state.shippingAddressKnown) { return false; }
    state.suspended = true;
    api.suspend({ autoResume: { enabled: autoResume } });
    return true;
  }

  function resume(api) {
    if (state.validation || !state.suspended) { return; }
    state.suspended = false;
    api.resume();
  }

  function updateCheckout(api) {
    var suspended = suspend(api, true);
    return post(params.update_order_review_url, form()).then(function () {
      if (suspended) { resume(api); }
    });
  }

  function fillAddresses(data) {
    var b = data.billing_address || {};
    var s = data.shipping_address || {};
    set("billing_first_name", b.given_name); set("billing_last_name", b.family_name);
    set("billing_address_1", b.street_address); set("billing_postcode", b.postal_code);
    set("billing_city", b.city); set("billing_email", b.email); set("billing_phone", b.phone);
    set("billing_country", (b.country || "").toUpperCase());
    set("shipping_first_name", s.given_name); set("shipping_last_name", s.family_name);
    set("shipping_address_1", s.street_address); set("shipping_postcode", s.postal_code);
    set("shipping_city", s.city); set("shipping_country", (s.country || "").toUpperCase());
  }

  function fail(message, callback) {
    callback({ should_proceed: false, message: message });
    state.validation = false;
    var notices = document.getElementById("notices");
    notices.textContent = message;
    notices.className = "woocommerce-error";
  }

  function placeOrder(callback) {
    post(params.get_klarna_order_url, { nonce: params.get_klarna_order_nonce })
      .then(function (response) {
        if (!response.success) { throw new Error("Failed to get the order from Kustom"); }
        fillAddresses(response.data);
        return post(params.submit_order, form());
      })
      .then(function (data) {
        if (data.result === "success") {
          logToFile("Successfully placed order. Sending \"should_proceed: true\" to Kustom");
          callback({ should_proceed: true });
        } else {
          var div = document.createElement("div");
          div.innerHTML = data.messages || "Checkout error";
          fail(div.textContent.trim(), callback);
        }
        state.validation = false;
      })
      .catch(function (err) { fail(String(err.message || err), callback); });
  }

  function init() {
    if (params.is_order_received_page === "yes") { return; }
    if (typeof window._klarnaCheckout !== "function") {
      seen.push(["no _klarnaCheckout"]);
      return;
    }
    window._klarnaCheckout(function (api) {
      api.on({
        shipping_address_change: function (data) {
          seen.push(["shipping_address_change", data]);
          state.shippingAddressKnown = true;
          set("shipping_first_name", data.given_name); set("shipping_last_name", data.family_name);
          set("shipping_postcode", data.postal_code);
          set("shipping_country", (data.country || "").toUpperCase());
          updateCheckout(api);
        },
        billing_address_change: function (data) {
          seen.push(["billing_address_change", data]);
          set("billing_email", data.email);
          set("billing_country", (data.country || "").toUpperCase());
        },
        change: function (data) {
          seen.push(["change", data]);
          if (data.country && data.postal_code) { state.shippingAddressKnown = true; }
        },
        order_total_change: function (data) { seen.push(["order_total_change", data]); },
        shipping_option_change: function (data) { seen.push(["shipping_option_change", data]); },
        can_not_complete_order: function (data) { seen.push(["can_not_complete_order", data]); },
        validation_callback: function (data, callback) {
          seen.push(["validation_callback", data]);
          state.validation = true;
          logToFile("validation_callback from Kustom triggered");
          placeOrder(callback);
        },
        customer: function (customer) {
          seen.push(["customer", customer]);
          post(params.customer_type_changed_url, {
            nonce: params.customer_type_changed_nonce,
            customer_type: customer.type === "person" ? "b2c" : "b2b",
          });
        },
        checkbox_change: function (evt) { seen.push(["checkbox_change", evt]); },
        redirect_initiated: function (trigger) {
          seen.push(["redirect_initiated", trigger]);
          logToFile("Redirect initiated by Kustom, the user is about to be redirected to the confirmation page.");
        },
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
