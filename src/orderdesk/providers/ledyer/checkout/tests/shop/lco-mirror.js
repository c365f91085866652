/* A shop's checkout page as Ledyer Checkout for WooCommerce drives it — orderdesk's own code
 * (no jQuery), doing what ledyer/ledyer-checkout-for-woocommerce
 * assets/js/ledyer-checkout-for-woocommerce.js does at commit
 * 20b4a099100b52afafb75daf2710c40497847319:
 * - ledyerCheckoutWaitingForClientValidation: fetch the session's customer through
 *   lco_wc_get_ledyer_order, submit WooCommerce's checkout, then
 *   window.ledyer.api.clientValidation({shouldProceed: true}) and wait for
 *   ledyerCheckoutOrderComplete to go to the order-received URL kept in sessionStorage
 *   ('ledyerWooRedirectUrl'); a failed checkout calls clientValidation({shouldProceed: false,
 *   message: {title: null, body}}) and shows WooCommerce's error;
 * - ledyerCheckoutOrderPending: the same without validation, then straight to the URL;
 * - update_checkout / updated_checkout: window.ledyer.api.suspend() / resume();
 * - a quantity change: suspend, POST lco_wc_update_cart, resume;
 * - every step logged through lco_wc_log_js.
 * `lco_params` is the page's, as wp_localize_script writes it.
 */
(function () {
  'use strict';
  const params = window.lco_params;
  const REDIRECT_KEY = 'ledyerWooRedirectUrl';

  function post(url, fields) {
    return fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
      body: new URLSearchParams(fields).toString(),
    }).then((r) => r.json());
  }

  function log(message) {
    post(params.log_to_file_url, { message, nonce: params.log_to_file_nonce });
  }

  function formFields() {
    const form = document.querySelector('form.checkout');
    const out = [];
    for (const el of form.querySelectorAll('input, select, textarea')) {
      if (el.name && el.value !== '') out.push([el.name, el.value]);
    }
    return out;
  }

  function setCustomerData(data) {
    for (const group of ['billing_address', 'shipping_address']) {
      const fields = data[group] || {};
      for (const [name, value] of Object.entries(fields)) {
        const input = document.getElementById(name);
        if (input && value !== null && value !== undefined) {
          input.value = name.endsWith('_country') ? String(value).toUpperCase() : value;
        }
      }
    }
  }

  function failOrder(body, alert) {
    window.ledyer.api.clientValidation({ shouldProceed: false, message: { title: null, body } });
    const form = document.querySelector('form.checkout');
    for (const old of document.querySelectorAll('.woocommerce-NoticeGroup-checkout')) old.remove();
    const group = document.createElement('div');
    group.className = 'woocommerce-NoticeGroup woocommerce-NoticeGroup-checkout';
    const error = document.createElement('div');
    error.className = 'woocommerce-error';
    error.textContent = alert || body;
    group.appendChild(error);
    form.prepend(group);
    document.body.dispatchEvent(new CustomEvent('checkout_error'));
  }

  function placeLedyerOrder(shouldValidate) {
    return post(params.get_ledyer_order_url, { nonce: params.get_ledyer_order_nonce }).then(
      (response) => {
        if (!response.success) {
          log('Failed to get the order from Ledyer.');
          failOrder('Kunde inte slutföra ordern.');
          return;
        }
        setCustomerData(response.data);
        sessionStorage.removeItem(REDIRECT_KEY);
        return post(params.submit_order, formFields()).then(
          (data) => {
            if (data.result !== 'success') {
              log('Checkout error | ' + (data.messages || 'No message'));
              const div = document.createElement('div');
              div.innerHTML = data.messages || '';
              failOrder('Vänligen kontrollera att alla uppgifter är korrekt ifyllda.', div.textContent);
              return;
            }
            log('Successfully created order in WooCommerce.');
            const url = new URL(data.redirect, location.origin).toString();
            sessionStorage.setItem(REDIRECT_KEY, url);
            if (shouldValidate) {
              window.ledyer.api.clientValidation({ shouldProceed: true });
              return; // ledyerCheckoutOrderComplete redirects
            }
            window.location.href = url;
          },
          () => failOrder('Kunde inte slutföra ordern.'),
        );
      },
    );
  }

  document.addEventListener('ledyerCheckoutOrderComplete', () => {
    log('ledyerCheckoutOrderComplete from Ledyer triggered');
    const url = sessionStorage.getItem(REDIRECT_KEY);
    if (url) window.location.href = url;
  });
  document.addEventListener('ledyerCheckoutOrderPending', () => {
    log('ledyerCheckoutOrderPending from Ledyer triggered');
    placeLedyerOrder(false);
  });
  document.addEventListener('ledyerCheckoutWaitingForClientValidation', () => {
    log('ledyerCheckoutWaitingForClientValidation from Ledyer triggered');
    placeLedyerOrder(true);
  });

  document.body.addEventListener('update_checkout', () => window.ledyer && window.ledyer.api.suspend());
  document.body.addEventListener('updated_checkout', () => window.ledyer && window.ledyer.api.resume());
  document.body.addEventListener('change', (event) => {
    if (!event.target.matches('input.qty')) return;
    window.ledyer.api.suspend();
    post(params.update_cart_url, {
      checkout: new URLSearchParams(formFields()).toString(),
      nonce: params.update_cart_nonce,
    }).finally(() => {
      document.body.dispatchEvent(new CustomEvent('update_checkout'));
      window.ledyer.api.resume();
    });
  });
})();
