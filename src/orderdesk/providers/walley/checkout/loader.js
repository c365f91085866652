/*
 * orderdesk's Walley Checkout loader, served where shops load Walley's:
 * /collector-checkout-loader.js (checkout-uat.collector.se, the WooCommerce plugin and the PHP
 * SDK's Iframe::getScript) and /walley-checkout-loader.js (api.uat.walleydev.com and
 * checkout.uat.walleydev.com).
 *
 * Loaded as <script src="…" data-token="public-SE-…" data-lang="sv-SE" data-variant="b2c">, it
 * defines Walley's client API at once (window.walley.checkout.api and its older name
 * window.collector.checkout.api: suspend, resume, onBeforePayment, update), mounts orderdesk's
 * hosted checkout in an iframe after the script (or in data-container-id), and turns what the
 * iframe tells it (window.postMessage) into Walley's client-side events on document, each
 * under its walley… and its older collector… name, not bubbling, not cancellable.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script) {
    return;
  }
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
        post({ type: "suspend" }, publicToken);
      },
      /* Enable it again and reload what the session holds now. */
      resume: function (publicToken) {
        post({ type: "resume" }, publicToken);
      },
      /* The shop's hook before payment: a function returning a promise; a rejection
         ({title, message}) stops the purchase and is shown to the customer. */
      onBeforePayment: function (handler) {
        hooks.beforePayment = handler;
      },
      /* Re-read the script's attributes (the part payment widget's amount). */
      update: function (publicToken) {
        post({ type: "resume" }, publicToken);
      },
    };
  }

  function mount() {
    var frame = document.createElement("iframe");
    var query = new URLSearchParams({
      lang: script.getAttribute("data-lang") || "",
      variant: script.getAttribute("data-variant") || "",
    });
    frame.src = origin + "/checkout/walley/" + encodeURIComponent(token) + "?" + query;
    frame.title = "Walley Checkout";
    frame.setAttribute("data-token", token);
    frame.style.width = "100%";
    frame.style.border = "0";
    frame.style.minHeight = "560px";
    var container = document.getElementById(script.getAttribute("data-container-id") || "");
    if (container) {
      container.appendChild(frame);
    } else {
      script.insertAdjacentElement("afterend", frame);
    }
    checkout.frames.push(frame);
  }

  function post(message, publicToken) {
    checkout.frames.forEach(function (frame) {
      if (!publicToken || frame.getAttribute("data-token") === publicToken) {
        frame.contentWindow.postMessage(message, origin);
      }
    });
  }

  function dispatch(name, detail) {
    ["walleyCheckout", "collectorCheckout"].forEach(function (prefix) {
      document.dispatchEvent(new CustomEvent(prefix + name, { detail: detail }));
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
      frame.contentWindow.postMessage(
        {
          type: "beforePaymentResult",
          id: id,
          ok: ok,
          title: (reason && reason.title) || "",
          message: (reason && reason.message) || "",
        },
        origin
      );
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
    if (!frame || event.origin !== origin) {
      return;
    }
    if (data.type === "event") {
      dispatch(data.name, data.detail === undefined ? frame.getAttribute("data-token") : data.detail);
    } else if (data.type === "beforePayment") {
      answerBeforePayment(frame, data.id);
    } else if (data.type === "height") {
      frame.style.height = data.height + "px";
    } else if (data.type === "redirect") {
      window.location.assign(data.url);
    }
  }
})();
