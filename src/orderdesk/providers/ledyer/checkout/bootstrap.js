/* orderdesk's stand-in for Ledyer Checkout's loader, served at /bootstrap.js as shops load
 * https://checkout.sandbox.ledyer.com/bootstrap.js:
 *
 *   <script src=".../bootstrap.js" data-env="sandbox" data-session-id="se_…"
 *           data-container-id="lco-iframe"></script>
 *
 * It defines window.ledyer.api (suspend, resume, clientValidation) before anything else,
 * mounts orderdesk's hosted checkout for the session in the container, and dispatches on
 * document the events Ledyer's checkout dispatches:
 *   ledyerCheckoutWaitingForClientValidation  the customer pressed buy and the session asks
 *       for client validation: answer with window.ledyer.api.clientValidation({shouldProceed,
 *       message: {title, body}}); without an answer in 10 s the purchase proceeds;
 *   ledyerCheckoutOrderPending   the purchase awaits a signatory;
 *   ledyerCheckoutOrderComplete  the order is made.
 * It speaks the hosted checkout's postMessage protocol (src/orderdesk/checkout/__init__.py).
 */
(function () {
  'use strict';
  var CLIENT_VALIDATION_MS = 10000;
  var script = document.currentScript ||
    document.querySelector('script[data-session-id][src*="bootstrap"]');
  var origin = new URL(script.src, location.href).origin;
  var token = script.getAttribute('data-session-id') || '';
  var containerId = script.getAttribute('data-container-id') || 'lco-iframe';
  var frame = null;
  var session = null;
  var pending = null; // the beforePayment the shop has to answer: {id, timer}
  var early = []; // what the shop asked before the frame was ready

  function send(message) {
    message.orderdesk = 'checkout';
    message.token = token;
    if (frame && frame.contentWindow && session) {
      frame.contentWindow.postMessage(message, origin);
    } else {
      early.push(message);
    }
  }

  function dispatch(name, detail) {
    if (name) document.dispatchEvent(new CustomEvent(name, { detail: detail || {} }));
  }

  function answer(ok, message) {
    if (!pending) return;
    clearTimeout(pending.timer);
    send({ type: 'beforePaymentResult', id: pending.id, ok: ok, message: message || '' });
    pending = null;
  }

  // What the hosted checkout does not say: whether the shop asked for client validation
  // (asked for, until known: the WooCommerce plugin always asks) and whether the scenario
  // loses the redirect.
  var settings = { requireClientValidation: true, lostRedirect: false };
  fetch(origin + '/bootstrap/sessions/' + encodeURIComponent(token), { credentials: 'omit' })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (found) { if (found) settings = found; }, function () {});

  var api = {
    suspend: function () { send({ type: 'suspend' }); },
    resume: function () { send({ type: 'resume' }); },
    clientValidation: function (result) {
      result = result || {};
      var message = result.message || {};
      var text = [message.title, message.body].filter(function (x) { return x; }).join(' — ');
      answer(result.shouldProceed !== false, text);
    },
  };
  window.ledyer = window.ledyer || {};
  window.ledyer.api = api;

  window.addEventListener('message', function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.orderdesk !== 'checkout' || data.token !== token) {
      return;
    }
    if (!frame || event.source !== frame.contentWindow) return;
    if (typeof data.height === 'number') frame.style.height = Math.ceil(data.height) + 'px';
    switch (data.type) {
      case 'ready':
        session = data.session || {};
        var queued = early;
        early = [];
        queued.forEach(send);
        break;
      case 'beforePayment':
        if (!settings.requireClientValidation) {
          send({ type: 'beforePaymentResult', id: data.id, ok: true, message: '' });
          break;
        }
        pending = { id: data.id, timer: setTimeout(function () { answer(true, ''); }, CLIENT_VALIDATION_MS) };
        dispatch(data.event, { sessionId: token });
        break;
      case 'locked':
        dispatch(data.event, { sessionId: token });
        break;
      case 'completed':
        // A lost redirect (the scenario's): the customer's browser never hears of the
        // order, so only the notification confirms it.
        if (!settings.lostRedirect && (data.status === 'completed' || data.status === 'onHold')) {
          dispatch(data.event, { sessionId: token, orderId: data.orderId });
        }
        if (data.redirectUrl) window.top.location.href = data.redirectUrl;
        break;
      default:
        break;
    }
  });

  function mount() {
    var container = document.getElementById(containerId);
    if (!container || frame) return;
    frame = document.createElement('iframe');
    frame.src = origin + '/orderdesk-checkout/' + encodeURIComponent(token);
    frame.title = 'Ledyer Checkout';
    frame.setAttribute('allow', 'payment');
    frame.style.width = '100%';
    frame.style.border = '0';
    frame.style.minHeight = '480px';
    container.appendChild(frame);
  }

  if (document.getElementById(containerId)) {
    mount();
  } else {
    document.addEventListener('DOMContentLoaded', mount);
  }
})();
