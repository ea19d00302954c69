// Small DOM helpers. Everything the portal shows from the API goes into text nodes, never
// parsed as HTML, so a rule name or an error message can't inject markup.

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

// h builds an element: h('td', {class: 'x', dataset: {label: 'Name'}}, 'text', childNode).
// Attributes whose value is false, null or undefined are left out; true sets an empty one.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v == null) continue;
    if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'checked' || k === 'disabled' || k === 'value') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c != null && c !== false));
  return el;
}

// show sets el's text (or hides it when text is empty).
export function show(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

// Announce a short success message in the page's polite status region; it fades after a while
// so an old message is never mistaken for a new one.
let statusTimer;
export function announce(text) {
  const el = $('#status');
  el.textContent = text;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { el.textContent = ''; }, 8000);
}

// alertError shows an error in the page's alert region (role=alert), or clears it.
export function alertError(text) {
  show($('#alert'), text);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

// formatTime is a full local date and time for an RFC 3339 string.
export function formatTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

// ago is a short relative time ("2 minutes ago") for an RFC 3339 string.
export function ago(iso) {
  const secs = (new Date(iso).getTime() - Date.now()) / 1000;
  if (Number.isNaN(secs)) return '';
  for (const [unit, size] of [['day', 86400], ['hour', 3600], ['minute', 60]]) {
    if (Math.abs(secs) >= size) return relative.format(Math.round(secs / size), unit);
  }
  return relative.format(Math.round(secs), 'second');
}

// timeEl is a <time> element showing iso relatively, with the full time as its tooltip.
export function timeEl(iso, cls = 'when') {
  return h('time', { class: cls, datetime: iso, title: formatTime(iso) }, ago(iso));
}

// openDialog shows a modal dialog and, when it closes, gives focus back to returnTo (by default
// whatever opened it), unless another dialog took over meanwhile or returnTo was re-rendered
// away; then the caller moves focus itself. A dialog opened from inside another (a confirmation
// over a form) gives focus back to the control in the one still open.
export function openDialog(dialog, returnTo = document.activeElement) {
  dialog.addEventListener('close', () => {
    if (!(returnTo instanceof HTMLElement) || !returnTo.isConnected) return;
    const open = [...document.querySelectorAll('dialog[open]')];
    if (open.length > 0 && !open.some((d) => d.contains(returnTo))) return;
    returnTo.focus();
  }, { once: true });
  dialog.showModal();
}

// busy marks button as working (or not): it keeps focus, unlike a disabled button, and says so
// to assistive technology. Callers ignore clicks on a busy button.
export function busy(button, on) {
  if (on) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

export const isBusy = (button) => button.getAttribute('aria-disabled') === 'true';

// Every [data-close] button closes its dialog.
document.addEventListener('click', (e) => {
  const btn = e.target.closest('[data-close]');
  if (btn) btn.closest('dialog')?.close();
});
