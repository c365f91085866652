/*
 * orderdesk's Walley Checkout loader, served where shops load Walley's:
 * /collector-checkout-loader.js (checkout-uat.collector.se, the WooCommerce plugin and the PHP
 * SDK's Iframe::getScript) and /walley-checkout-loader.js (api.uat.walleydev.com and
 * checkout.uat.walleydev.com).
 *
 * Loaded as <script src="…" data-token="public-SE-…" data-lang="sv-SE" data-variant="b2c">, it
 * defines Walley's client API at once (window.walley.checkout.api and its older name
 * window.collector.checkout.api: suspend, resume, onBeforePayment, update), mounts orderdesk's
 * hosted checkout (/orderdesk-checkout/{token}) in an iframe after the script (or in
 * data-container-id), and turns what the iframe tells it (window.postMessage, the protocol of
 * src/orderdesk/checkout/__init__.py) into Walley's client-side events on document, each under
 * its walley… and its older collector… name (the Magento module listens to those), detail the
 * public token, not bubbling, not cancellable (…Resumed once the iframe has reloaded after a
 * resume); it runs the shop's onBeforePayment promise when the customer pays, and sends the top window
 * to the shop's redirectPageUri after.
 */
(function () {
  "use strict";

  /* The tag that loaded this script: itself, or — when jQuery appended it (the plugin's
     thank-you page and customer type switch: jQuery runs a cross-site script through a tag of
     its own, without the attributes) — the last loader tag with a token not mounted yet. */
  function tag() {
    var current = document.currentScript;
    if (current && current.hasAttribute("data-token")) {
      return current;
    }
    var tagged = document.querySelectorAll("script[data-token]");
    for (var i = tagged.length - 1; i >= 0; i--) {
      if (/checkout-loader\.js/.test(tagged[i].src) && !tagged[i].hasAttribute("data-mounted")) {
        return tagged[i];
      }
    }
    return current;
  }

  var script = tag();
  if (!script) {
    return;
  }
  script.setAttribute("data-mounted", "");
  var origin = new URL(script.src, window.location.href).origin;
  var token = script.getAttribute("data-token") || "";

  var checkout = (window.walley && window.walley.checkout) || null;
  if (!checkout || !checkout.api) {
    checkout = { api: makeApi(), frames: [] };
    window.walley = window.walley || {};
    window.walley.checkout = checkout;
    window.collector = window.collector || {};
    window.collector.checkout = checkout;
    window.addEventListener("message", receive);
  }

  if (token) {
    mount();
  }

  function makeApi() {
    var hooks = { beforePayment: null };
    return {
      hooks: hooks,
      /* Disable the checkout while the shop updates the session (all of them, or one). */
      suspend: function (publicToken) {
        post("suspend", publicToken);
      },
      /* Enable it again and reload what the session holds now. */
      resume: function (publicToken) {
        post("resume", publicToken);
      },
      /* The shop's hook before payment: a function returning a promise; a rejection
         ({title, message}) stops the purchase and is shown to the customer. */
      onBeforePayment: function (handler) {
        hooks.beforePayment = handler;
      },
      /* Re-read the script's attributes (the part payment widget's amount). */
      update: function (publicToken) {
        post("resume", publicToken);
      },
    };
  }

  function mount() {
    var frame = document.createElement("iframe");
    frame.src = origin + "/orderdesk-checkout/" + encodeURIComponent(token);
    frame.title = "Walley Checkout";
    frame.setAttribute("data-token", token);
    frame.setAttribute("data-lang", script.getAttribute("data-lang") || "");
    frame.setAttribute("data-variant", script.getAttribute("data-variant") || "");
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.height = "560px";
    var container = document.getElementById(script.getAttribute("data-container-id") || "");
    if (container) {
      container.appendChild(frame);
    } else {
      script.insertAdjacentElement("afterend", frame);
    }
    checkout.frames.push(frame);
  }

  /* orderdesk's protocol with its iframe: src/orderdesk/checkout/__init__.py. */
  function send(frame, message) {
    message.orderdesk = "checkout";
    message.token = frame.getAttribute("data-token");
    frame.contentWindow.postMessage(message, origin);
  }

  function post(type, publicToken) {
    checkout.frames.forEach(function (frame) {
      if (!publicToken || frame.getAttribute("data-token") === publicToken) {
        send(frame, { type: type });
      }
    });
  }

  /* Walley's event and its older collector… name; the detail is the public token. */
  function dispatch(name, frame) {
    var detail = frame.getAttribute("data-token");
    [name, name.replace(/^walley/, "collector")].forEach(function (each) {
      document.dispatchEvent(new CustomEvent(each, { detail: detail }));
    });
  }

  function frameOf(source) {
    return checkout.frames.filter(function (frame) {
      return frame.contentWindow === source;
    })[0];
  }

  function answerBeforePayment(frame, id) {
    var handler = checkout.api.hooks.beforePayment;
    var reply = function (ok, reason) {
      var message = (reason && (reason.message || reason.title)) || "";
      if (reason && reason.title && reason.message) {
        message = reason.title + ": " + reason.message;
      }
      send(frame, { type: "beforePaymentResult", id: id, ok: ok, message: message });
    };
    if (!handler) {
      reply(true);
      return;
    }
    Promise.resolve()
      .then(function () {
        return handler();
      })
      .then(
        function () {
          reply(true);
        },
        function (reason) {
          reply(false, reason instanceof Error ? { message: reason.message } : reason);
        }
      );
  }

  function receive(event) {
    var frame = frameOf(event.source);
    var data = event.data || {};
    if (!frame || event.origin !== origin || data.orderdesk !== "checkout") {
      return;
    }
    if (data.height) {
      frame.style.height = data.height + "px";
    }
    if (data.type === "beforePayment") {
      answerBeforePayment(frame, data.id);
    } else if (data.type === "completed") {
      if (data.status === "completed" || data.status === "onHold") {
        dispatch(data.event || "walleyCheckoutPurchaseCompleted", frame);
      }
    } else if (data.event) {
      dispatch(data.event, frame);
    }
    if ((data.type === "completed" || data.type === "validationFailed") && data.redirectUrl) {
      window.location.assign(data.redirectUrl);
    }
  }
})();
