/* A provider-neutral loader for the browser tests of orderdesk's hosted checkout: what a
 * provider's loader script does with the postMessage protocol of
 * src/orderdesk/checkout/__init__.py, without any provider's JavaScript API.
 *
 * <script src=".../checkout-loader.js" data-origin="http://orderdesk" data-token="…"
 *         data-container="checkout"></script>
 * window.testCheckout: messages seen (log), the merchant's hook before payment (hook: a
 * function of the message returning true, false or a promise of either), suspend, resume.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script.dataset.origin;
  var token = script.dataset.token;
  var iframe = document.createElement("iframe");
  iframe.src = origin + "/orderdesk-checkout/" + encodeURIComponent(token);
  iframe.title = "Checkout";
  iframe.setAttribute("width", "100%");
  iframe.setAttribute("height", "600");
  iframe.setAttribute("frameborder", "0");
  document.getElementById(script.dataset.container).appendChild(iframe);

  function post(message) {
    message.orderdesk = "checkout";
    message.token = token;
    iframe.contentWindow.postMessage(message, origin);
  }

  var api = {
    log: [],
    hook: null,
    suspend: function () { post({ type: "suspend" }); },
    resume: function () { post({ type: "resume" }); }
  };
  window.testCheckout = api;

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.orderdesk !== "checkout") { return; }
    api.log.push(data);
    document.dispatchEvent(new CustomEvent("testCheckout:" + data.type, { detail: data }));
    if (data.type === "resize" || data.type === "ready") {
      iframe.setAttribute("height", String(data.height));
    } else if (data.type === "beforePayment") {
      Promise.resolve(api.hook ? api.hook(data) : true).then(function (ok) {
        post({
          type: "beforePaymentResult",
          id: data.id,
          ok: ok !== false,
          message: ok === false ? "The shop stopped the payment" : ""
        });
      });
    } else if (data.type === "completed" && data.redirectUrl) {
      window.location.assign(data.redirectUrl);
    }
  });
}());
