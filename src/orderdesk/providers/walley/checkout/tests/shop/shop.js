/*
 * The test's own mirror of krokedil/collector-checkout-for-woocommerce
 * assets/js/walley-checkout-for-woocommerce.js at 697c5824a6de221a9beec382c1d72466a9401e28,
 * without jQuery: at DOMContentLoaded (the loader has run: it is a parser-blocking script in
 * the body) it listens for walleyCheckoutCustomerUpdated, …Locked, …Unlocked and
 * …ShippingUpdated on document, and registers window.walley.checkout.api.onBeforePayment,
 * whose promise first posts the public token to ?wc-ajax=walley_get_order (WooCommerce asks
 * Walley for the session: GET /checkouts/{privateId}), fills the form with the address, then
 * posts the form to ?wc-ajax=checkout; {result: "failure", messages} rejects with
 * {title, message}. An address or shipping change runs WooCommerce's update_checkout, which the
 * plugin wraps in window.collector.checkout.api.suspend() / resume() (the server updates the
 * session: PUT /checkouts/{privateId}/).
 */
(function () {
  "use strict";

  function log(text) {
    var item = document.createElement("li");
    item.textContent = text;
    document.getElementById("shop-log").appendChild(item);
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8" },
      body: new URLSearchParams(fields).toString(),
    }).then(function (response) {
      return response.json();
    });
  }

  function formFields() {
    var fields = {};
    new FormData(document.querySelector("form.checkout")).forEach(function (value, name) {
      fields[name] = value;
    });
    return fields;
  }

  function setAddressData(data) {
    ["first_name", "last_name", "address_1", "postcode", "city", "email", "country"].forEach(
      function (name) {
        document.getElementById("billing_" + name).value = data["billing_" + name] || "";
      }
    );
  }

  function updateCheckout() {
    window.collector.checkout.api.suspend();
    return post(walleyParams.update_order_review_url, formFields()).then(function () {
      window.collector.checkout.api.resume();
    });
  }

  function placeWalleyOrder() {
    return post(walleyParams.get_order_url, {
      nonce: walleyParams.get_order_nonce,
      collector_public_token: document.getElementById("collector_public_token").value,
    })
      .then(function (order) {
        if (!order.success) {
          throw new Error("Failed to get the Walley order.");
        }
        setAddressData(order.data);
        return post(walleyParams.submitOrder, formFields());
      })
      .then(function (submitted) {
        if (submitted.result !== "success") {
          throw new Error(submitted.messages);
        }
      });
  }

  function failOrder(message) {
    var notice = document.createElement("ul");
    notice.className = "woocommerce-error";
    notice.setAttribute("role", "alert");
    notice.textContent = message;
    document.querySelector("form.checkout").prepend(notice);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.addEventListener("walleyCheckoutCustomerUpdated", function () {
      log("walleyCheckoutCustomerUpdated");
      updateCheckout();
    });
    document.addEventListener("walleyCheckoutLocked", function () {
      log("walleyCheckoutLocked");
      document.querySelector(".woocommerce-checkout-review-order-table").classList.add("blocked");
    });
    document.addEventListener("walleyCheckoutUnlocked", function () {
      log("walleyCheckoutUnlocked");
      document.querySelector(".woocommerce-checkout-review-order-table").classList.remove("blocked");
    });
    document.addEventListener("walleyCheckoutShippingUpdated", function () {
      log("walleyCheckoutShippingUpdated");
      updateCheckout();
    });
    document.addEventListener("walleyCheckoutOrderValidationFailed", function () {
      log("walleyCheckoutOrderValidationFailed");
    });
    if (!window.walley) {
      log("no window.walley");
      return;
    }
    window.walley.checkout.api.onBeforePayment(function () {
      log("onBeforePayment");
      var timeout;
      var expired = new Promise(function (resolve, reject) {
        timeout = setTimeout(function () {
          reject({ title: "Place WooCommerce order issue.", message: "Timeout" });
        }, 29000);
      });
      return Promise.race([placeWalleyOrder(), expired]).then(
        function () {
          clearTimeout(timeout);
          log("Successfully placed order.");
        },
        function (error) {
          clearTimeout(timeout);
          var text = document.createElement("div");
          text.innerHTML = error.message || "";
          var message = text.textContent.trim() || "Something went wrong.";
          failOrder(message);
          log("Before payment error | " + message);
          return Promise.reject({ title: error.title || "", message: message });
        }
      );
    });
  });
})();
