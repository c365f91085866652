/* orderdesk's hosted test checkout: the iframe page a provider's loader mounts.
 * It talks to the loader (its parent window) with postMessage as checkout/__init__.py
 * documents, and to orderdesk with fetch. No inline script: the page's CSP allows none. */
(function () {
  "use strict";

  var body = document.body;
  var prefix = body.dataset.prefix;
  var token = body.dataset.token;
  var events = JSON.parse(body.dataset.events || "{}");
  var base = prefix + "/" + encodeURIComponent(token);
  var framed = window.parent !== window;
  var main = document.getElementById("checkout");
  var form = document.getElementById("customer");
  var statusLine = document.getElementById("status");
  var signing = document.getElementById("signing");
  var session = null;
  var suspended = false;
  var busy = false;
  var asked = {};
  var nextId = 1;

  function tell(type, extra) {
    if (!framed) { return; }
    var message = { orderdesk: "checkout", type: type, token: token, event: events[type] || null };
    Object.keys(extra || {}).forEach(function (key) { message[key] = extra[key]; });
    window.parent.postMessage(message, "*");
  }

  function call(method, path, payload) {
    var init = { method: method, credentials: "omit", headers: {} };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(base + path, init).then(function (r) {
      return r.json().then(function (doc) {
        if (!r.ok) {
          throw new Error(doc && doc.error ? doc.error.message : "HTTP " + r.status);
        }
        return doc;
      });
    });
  }

  function money(minor) {
    var exp = session.exponent;
    var sign = minor < 0 ? "-" : "";
    var digits = String(Math.abs(minor));
    if (exp > 0) {
      while (digits.length <= exp) { digits = "0" + digits; }
      digits = digits.slice(0, -exp) + "." + digits.slice(-exp);
    }
    return sign + digits + " " + session.currency;
  }

  function say(text, error) {
    statusLine.textContent = text;
    statusLine.classList.toggle("error", Boolean(error));
  }

  function row(line) {
    var tr = document.createElement("tr");
    [line.description || line.reference, String(line.quantity), money(line.totalAmount)]
      .forEach(function (text, i) {
        var cell = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) { cell.scope = "row"; } else { cell.className = "num"; }
        cell.textContent = text;
        tr.appendChild(cell);
      });
    return tr;
  }

  function open() {
    return session && (session.status === "open" || session.status === "locked");
  }

  function enable() {
    var usable = session !== null && session.status === "open" && !suspended && !busy;
    Array.prototype.forEach.call(document.querySelectorAll("#personas button, #customer input"),
      function (control) { control.disabled = !usable; });
    main.setAttribute("aria-busy", busy || suspended ? "true" : "false");
  }

  function fillForm(customer) {
    var billing = customer.billingAddress || {};
    var shipping = customer.shippingAddress || null;
    ["firstName", "lastName", "email", "phone", "nationalId"].forEach(function (name) {
      form.elements[name].value = customer[name] || "";
    });
    ["streetAddress", "postalCode", "city", "country"].forEach(function (name) {
      form.elements["billing." + name].value = billing[name] || "";
      form.elements["shipping." + name].value = (shipping || {})[name] || "";
    });
    form.elements.shippingSame.checked = shipping === null;
    document.getElementById("shipping").hidden = shipping === null;
  }

  function render(view) {
    session = view;
    var lines = document.getElementById("cart-lines");
    lines.textContent = "";
    view.lines.concat(view.fees).forEach(function (line) { lines.appendChild(row(line)); });
    document.getElementById("cart-total").textContent = money(view.totalAmount);
    if (!open()) {
      say("This checkout is " + view.status + (view.orderId ? " (order " + view.orderId + ")" : "") + ".");
    }
    enable();
  }

  function address(prefixName) {
    var out = {};
    ["streetAddress", "postalCode", "city", "country"].forEach(function (name) {
      var value = form.elements[prefixName + "." + name].value.trim();
      if (value) { out[name] = name === "country" ? value.toUpperCase() : value; }
    });
    return out;
  }

  function edited() {
    var customer = {};
    ["firstName", "lastName", "email", "phone", "nationalId"].forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) { customer[name] = value; }
    });
    var billing = address("billing");
    if (Object.keys(billing).length) { customer.billingAddress = billing; }
    if (!form.elements.shippingSame.checked) { customer.shippingAddress = address("shipping"); }
    return customer;
  }

  function shippingOf(customer) {
    return customer.shippingAddress || customer.billingAddress || {};
  }

  function saveCustomer(event) {
    if (event.target.name === "shippingSame") {
      document.getElementById("shipping").hidden = event.target.checked;
    }
    var before = JSON.stringify(shippingOf(session.customer || {}));
    var customer = edited();
    return call("PUT", "/customer", { customer: customer }).then(function (view) {
      render(view);
      tell("customerUpdated", { customer: view.customer });
      var shipping = shippingOf(view.customer);
      if (JSON.stringify(shipping) !== before) {
        tell("shippingUpdated", { address: shipping, country: shipping.country || view.country });
      }
    }, function (error) { say(error.message, true); });
  }

  function beforePayment(persona) {
    if (!framed) { return Promise.resolve({ ok: true, message: "" }); }
    var id = nextId++;
    return new Promise(function (resolve) {
      asked[id] = resolve;
      tell("beforePayment", { id: id, persona: persona });
    });
  }

  function finish(result) {
    if (result.status === "validationFailed") {
      say(result.message || "The shop refused the purchase.", true);
      tell("validationFailed", { message: result.message, redirectUrl: result.redirectUrl });
      return;
    }
    say("Checkout " + result.status + (result.orderId ? ": order " + result.orderId : "") + ".");
    tell("completed", { status: result.status, orderId: result.orderId, redirectUrl: result.redirectUrl });
    if (!framed && result.redirectUrl) { window.location.assign(result.redirectUrl); }
  }

  function pay(persona) {
    busy = true;
    enable();
    say("Paying as " + persona + "…");
    return beforePayment(persona).then(function (answer) {
      if (!answer.ok) {
        say(answer.message || "The shop stopped the payment.", true);
        tell("validationFailed", { message: answer.message || "", redirectUrl: null });
        return null;
      }
      return call("POST", "/pay", { persona: persona }).then(function (result) {
        finish(result);
        return call("GET", "/session").then(render);
      });
    }).then(function () {
      if (session.status === "locked") {
        return call("POST", "/unlock").then(render).then(function () { tell("unlocked", {}); });
      }
      return null;
    }).catch(function (error) { say(error.message, true); }).then(function () {
      busy = false;
      signing.hidden = true;
      enable();
    });
  }

  function startSigning() {
    busy = true;
    enable();
    call("POST", "/lock").then(function (view) {
      render(view);
      tell("locked", {});
      signing.hidden = false;
      say("Waiting for the signature…");
    }, function (error) { say(error.message, true); }).then(function () {
      busy = false;
      enable();
    });
  }

  function cancelSigning() {
    call("POST", "/unlock").then(function (view) {
      signing.hidden = true;
      render(view);
      tell("unlocked", {});
      say("Signing cancelled.");
    }, function (error) { say(error.message, true); });
  }

  function onMessage(event) {
    var data = event.data;
    if (event.source !== window.parent || !data || data.orderdesk !== "checkout") { return; }
    if (data.type === "suspend") {
      suspended = true;
      enable();
    } else if (data.type === "resume") {
      call("GET", "/session").then(function (view) {
        suspended = false;
        render(view);
        tell("resumed", { session: view });
      });
    } else if (data.type === "beforePaymentResult" && asked[data.id]) {
      asked[data.id]({ ok: Boolean(data.ok), message: data.message || "" });
      delete asked[data.id];
    }
  }

  function height() {
    return Math.ceil(document.documentElement.scrollHeight);
  }

  document.getElementById("personas").addEventListener("click", function (event) {
    var persona = event.target.dataset && event.target.dataset.persona;
    if (!persona || busy) { return; }
    if (persona === "signing") { startSigning(); } else { pay(persona); }
  });
  document.getElementById("sign").addEventListener("click", function () { pay("signing"); });
  document.getElementById("cancel-sign").addEventListener("click", cancelSigning);
  form.addEventListener("change", saveCustomer);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  window.addEventListener("message", onMessage);
  if (window.ResizeObserver) {
    new ResizeObserver(function () { tell("resize", { height: height() }); }).observe(main);
  }

  call("GET", "/session").then(function (view) {
    render(view);
    fillForm(view.customer || {});
    tell("ready", { height: height(), session: view });
  }, function (error) { say(error.message, true); });
}());
