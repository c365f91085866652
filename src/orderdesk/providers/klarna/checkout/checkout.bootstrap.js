/*
 * orderdesk's Klarna Checkout loader: what the checkout order's html_snippet loads.
 *
 * The snippet's inline script has already made window._klarnaCheckout a queue and put the
 * order's configuration on it (ORDER_ID, TOKEN, ORDER_STATUS, CHECKOUT_DOMAIN, the client
 * validation options, the container). This file replaces the queue with the real function,
 * runs what was queued, mounts the hosted checkout's iframe
 * (CHECKOUT_DOMAIN/orderdesk-checkout/TOKEN) in the container and speaks orderdesk's
 * postMessage protocol with it (src/orderdesk/checkout/__init__.py), as Klarna's client API:
 *
 *   _klarnaCheckout(function (api) {
 *     api.suspend({autoResume: {enabled: bool}}); api.resume();
 *     api.on({load, customer, change, billing_address_change, shipping_address_change,
 *             order_total_change, can_not_complete_order, redirect_initiated,
 *             load_confirmation, validation_callback: function (data, callback) {…}});
 *   });
 *
 * validation_callback runs when the customer buys and the order asks for client validation
 * (options.require_client_validation): the payment waits for callback({should_proceed,
 * message}); should_proceed false keeps the customer in the checkout with the message.
 * A rejection by the shop's validation URL (its 303 Location) sends the top window there.
 */
(function (w, d) {
  "use strict";
  var NAME = "_klarnaCheckout";
  var AUTO_RESUME_MS = 10000;
  var queued = w[NAME] || {};
  var config = queued.config || {};
  var pending = queued.q || [];
  var handlers = {};
  var frame = null;
  var origin = config.CHECKOUT_DOMAIN;
  var customer = {};
  var total = null;
  var autoResume = null;

  function emit(name) {
    var handler = handlers[name];
    if (typeof handler !== "function") { return false; }
    var args = Array.prototype.slice.call(arguments, 1);
    try {
      handler.apply(null, args);
    } catch (err) {
      setTimeout(function () { throw err; });
    }
    return true;
  }

  function post(type, fields) {
    if (!frame || !frame.contentWindow) { return; }
    var message = { orderdesk: "checkout", type: type, token: config.TOKEN };
    for (var key in fields || {}) { message[key] = fields[key]; }
    frame.contentWindow.postMessage(message, origin);
  }

  // What the iframe's load told, for handlers registered after it (a page's script may run
  // after the iframe has loaded): they get the load and customer events too.
  var loaded = null;

  var api = {
    on: function (events) {
      for (var name in events) {
        if (!Object.prototype.hasOwnProperty.call(events, name)) { continue; }
        handlers[name] = events[name];
        if (loaded && Object.prototype.hasOwnProperty.call(loaded, name)) {
          setTimeout(emit.bind(null, name, loaded[name]));
        }
      }
    },
    suspend: function (options) {
      var auto = !(options && options.autoResume && options.autoResume.enabled === false);
      clearTimeout(autoResume);
      post("suspend");
      if (auto) { autoResume = setTimeout(api.resume, AUTO_RESUME_MS); }
    },
    resume: function () {
      clearTimeout(autoResume);
      post("resume");
    },
  };

  function run(callback) {
    if (typeof callback !== "function") { return; }
    try {
      callback(api);
    } catch (err) {
      setTimeout(function () { throw err; });
    }
  }

  function klarnaCheckout(callback) { run(callback); }
  klarnaCheckout.config = config;
  w[NAME] = klarnaCheckout;

  // -- the customer, from orderdesk's shape to Klarna's ---------------------------------

  function address(raw, customer) {
    raw = raw || {};
    var contact = raw.contact || {};
    var out = {
      given_name: contact.firstName || customer.firstName,
      family_name: contact.lastName || customer.lastName,
      email: contact.email || customer.email,
      phone: contact.phone || customer.phone,
      organization_name: raw.companyName || customer.companyName,
      street_address: raw.streetAddress || raw.street,
      street_address2: raw.streetAddress2,
      postal_code: raw.postalCode,
      city: raw.city,
      country: String(raw.country || config.PURCHASE_COUNTRY || "").toLowerCase(),
    };
    for (var key in out) { if (out[key] === undefined || out[key] === null || out[key] === "") { delete out[key]; } }
    return out;
  }

  function billing(customer) { return address(customer.billingAddress, customer); }

  function shipping(customer) {
    return address(customer.shippingAddress || customer.billingAddress, customer);
  }

  // -- messages from the iframe ----------------------------------------------------------

  function beforePayment(message) {
    var answered = false;
    function answer(result) {
      if (answered) { return; }
      answered = true;
      result = result || {};
      var ok = result.should_proceed !== false;
      post("beforePaymentResult", { id: message.id, ok: ok, message: ok ? "" : String(result.message || "") });
    }
    if (!config.REQUIRE_CLIENT_VALIDATION || typeof handlers.validation_callback !== "function") {
      answer({ should_proceed: true });
      return;
    }
    emit("validation_callback", {}, answer);
    if (!config.REQUIRE_CLIENT_VALIDATION_CALLBACK_RESPONSE) { answer({ should_proceed: true }); }
  }

  var on = {
    ready: function (message) {
      var session = message.session || {};
      customer = session.customer || {};
      total = session.totalAmount;
      if (typeof message.height === "number") { frame.style.height = message.height + "px"; }
      if (config.ORDER_STATUS === "checkout_complete") {
        emit("load_confirmation");
        return;
      }
      var type = { type: customer.companyName ? "organization" : "person" };
      var found = shipping(customer);
      loaded = {
        load: { customer: type, shipping_address: { country: found.country, postal_code: found.postal_code } },
        customer: type,
      };
      emit("load", loaded.load);
      emit("customer", loaded.customer);
    },
    resumed: function (message) {
      var session = message.session || {};
      if (typeof session.totalAmount === "number" && session.totalAmount !== total) {
        total = session.totalAmount;
        emit("order_total_change", { order_total: total });
      }
    },
    resize: function (message) {
      if (typeof message.height === "number") { frame.style.height = message.height + "px"; }
    },
    customerUpdated: function (message) {
      customer = message.customer || {};
      var found = billing(customer);
      emit("change", { email: found.email, postal_code: found.postal_code, country: found.country });
      if (found.postal_code && found.country) { emit("billing_address_change", found); }
    },
    shippingUpdated: function (message) {
      var found = address(message.address || { country: message.country }, customer);
      emit("shipping_address_change", found);
    },
    beforePayment: beforePayment,
    validationFailed: function (message) {
      emit("can_not_complete_order", { message: message.message || "" });
      if (message.redirectUrl) { w.top.location.href = message.redirectUrl; }
    },
    completed: function (message) {
      if (message.status === "declined" || message.status === "abandoned") {
        emit("can_not_complete_order", { status: message.status });
        return;
      }
      if (message.redirectUrl) {
        emit("redirect_initiated", true);
        w.top.location.href = message.redirectUrl;
      }
    },
  };

  w.addEventListener("message", function (event) {
    var message = event.data;
    if (event.origin !== origin || !message || message.orderdesk !== "checkout") { return; }
    if (message.token !== config.TOKEN || !frame || event.source !== frame.contentWindow) { return; }
    if (Object.prototype.hasOwnProperty.call(on, message.type)) { on[message.type](message); }
  });

  function mount() {
    var container = config.container || d.getElementById("klarna-checkout-container");
    if (!container || !config.TOKEN) { return; }
    frame = d.createElement("iframe");
    frame.src = origin + "/orderdesk-checkout/" + encodeURIComponent(config.TOKEN);
    frame.title = "Klarna Checkout (orderdesk test checkout)";
    frame.name = "klarna-checkout-iframe";
    frame.id = "klarna-checkout-iframe";
    frame.setAttribute("scrolling", "no");
    frame.setAttribute("frameborder", "0");
    frame.style.width = "100%";
    frame.style.minWidth = "280px";
    frame.style.height = "640px";
    frame.style.border = "0";
    container.appendChild(frame);
  }

  mount();
  for (var i = 0; i < pending.length; i += 1) { run(pending[i][0]); }
})(window, document);
