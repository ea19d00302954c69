// The New Notification / Edit dialog. The API validates; the form shows each error next to
// the field it names (error.field), marks that field invalid and moves focus to it.

import { api } from './api.js';
import { $, $$, h, show, openDialog, formatTime } from './dom.js';
import { Recipients } from './recipients.js';
import { confirmRotate, showSecret } from './dialogs.js';

const dialog = $('#rule-dialog');
const form = $('#rule-form');
const submit = $('#rule-submit');
const f = {
  name: $('#rule-name'),
  types: $$('input[name="type"]', form),
  typeFixed: $('#rule-type-fixed'),
  recipientsField: $('#recipients-field'),
  webhookFields: $('#webhook-fields'),
  url: $('#rule-webhook-url'),
  format: $('#rule-format'),
  events: $('#rule-events'),
  enabled: $('#rule-enabled'),
  autoDisabled: $('#rule-auto-disabled'),
  secretField: $('#secret-field'),
  rotate: $('#rotate-secret'),
  overlap: $('#secret-field-overlap'),
  formError: $('#rule-form-error'),
};

const recipients = new Recipients({
  list: $('#recipients'),
  addButton: $('#add-recipient'),
  count: $('#recipients-count'),
  limit: $('#recipients-limit'),
  describedBy: 'rule-email_recipients-error',
  iconSrc: new URL('./close.svg', import.meta.url).pathname,
  onChange: () => clearError('email_recipients'),
});

let current = null; // { rule, onSaved, onRotated } of the open form; rule is null for a new one
let busy = false;

// openRuleForm opens the dialog for a new rule, or for editing rule (as GET shows it, with the
// whole webhook URL). onSaved(rule, secret) runs after the API accepted it; onRotated(rule)
// after the rule's signing secret was rotated from the form.
export function openRuleForm({ rule = null, eventTypes, onSaved, onRotated }) {
  current = { rule, onSaved, onRotated };
  form.reset();
  clearErrors();
  const editing = rule !== null;
  $('#rule-dialog-title').textContent = editing ? `Edit ${rule.name}` : 'New Notification';
  submit.textContent = editing ? 'Save changes' : 'Create notification';

  f.name.value = rule?.name ?? '';
  f.name.readOnly = editing;
  const type = rule?.type ?? 'email';
  for (const r of f.types) {
    r.checked = r.value === type;
    r.disabled = editing; // the type is fixed at creation
  }
  f.typeFixed.hidden = !editing;

  f.events.replaceChildren(...eventTypes.map((t) => h('label', { class: 'check' },
    h('input', {
      type: 'checkbox', name: 'events', value: t.name, checked: rule?.events.includes(t.name) ?? false,
      'aria-describedby': 'rule-events-error',
    }),
    h('span', {},
      h('span', { class: 'check-title' }, h('strong', {}, t.title), h('code', {}, t.name)),
      h('span', { class: 'hint' }, t.description)))));

  recipients.set(rule?.email_recipients ?? []);
  f.url.value = rule?.webhook_url ?? '';
  f.format.value = rule?.format || 'auto';
  f.enabled.checked = rule?.enabled ?? true;
  // Why Herald turned the rule off, until someone turns it on (or off) again.
  show(f.autoDisabled, rule?.disabled_reason ? `Auto-disabled: ${rule.disabled_reason}` : '');
  // A webhook rule's secret can be rotated once it exists; a new rule gets one when created.
  f.secretField.hidden = !(editing && type === 'webhook');
  showOverlap(rule);
  syncType();

  openDialog(dialog);
  // Start where there is something to do: the name of a new rule, the destination of an old one.
  if (!editing) f.name.focus();
  else if (type === 'email') recipients.inputs()[0].focus();
  else f.url.focus();
}

// showOverlap says until when the previous secret signs too, during a rotation's overlap.
function showOverlap(rule) {
  const until = rule?.previous_secret_expires_at;
  show(f.overlap, until && new Date(until) > Date.now()
    ? `Rotated: the previous secret also signs until ${formatTime(until)}.`
    : '');
}

// Rotating takes effect at once (it is not part of the form's changes): confirm, then show the
// new secret, once, and come back to the form.
f.rotate.addEventListener('click', async () => {
  const rule = current?.rule;
  if (!rule) return;
  const res = await confirmRotate(rule, () => api.rotateSecret(rule.name));
  if (!res) return;
  rule.previous_secret_expires_at = res.previous_secret_expires_at;
  showOverlap(rule);
  current.onRotated?.(rule);
  showSecret({ name: rule.name, secret: res.secret, returnTo: f.rotate, previousExpires: res.previous_secret_expires_at });
});

function selectedType() {
  return f.types.find((r) => r.checked)?.value ?? 'email';
}

function syncType() {
  const email = selectedType() === 'email';
  f.recipientsField.hidden = !email;
  f.webhookFields.hidden = email;
}

for (const r of f.types) r.addEventListener('change', syncType);

// Editing a field clears its error.
form.addEventListener('input', (e) => {
  const field = e.target.closest('[data-field]')?.dataset.field;
  if (field) clearError(field);
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (busy || !current) return;
  clearErrors();
  const { rule, onSaved } = current;
  busy = true;
  submit.setAttribute('aria-disabled', 'true');
  try {
    let saved;
    if (rule) {
      saved = await api.update(rule.name, patchOf(rule));
    } else {
      saved = await api.create(createBody());
    }
    dialog.close();
    onSaved(saved, saved.secret);
  } catch (err) {
    if (err.status !== 401) showError(err);
  } finally {
    busy = false;
    submit.removeAttribute('aria-disabled');
  }
});

function events() {
  return $$('input[name="events"]:checked', f.events).map((c) => c.value);
}

function createBody() {
  const body = { name: f.name.value.trim(), type: selectedType(), enabled: f.enabled.checked, events: events() };
  if (body.type === 'email') {
    body.email_recipients = recipients.values();
  } else {
    body.webhook_url = f.url.value.trim();
    body.format = f.format.value;
  }
  return body;
}

// patchOf is what changed of rule; the type and name never do. enabled is sent only when it
// changed: sending it means a person decided, which clears why Herald turned the rule off.
function patchOf(rule) {
  const patch = { events: events() };
  if (f.enabled.checked !== rule.enabled) patch.enabled = f.enabled.checked;
  if (rule.type === 'email') {
    patch.email_recipients = recipients.values();
  } else {
    const url = f.url.value.trim();
    if (url !== rule.webhook_url) patch.webhook_url = url;
    if (f.format.value !== rule.format) patch.format = f.format.value;
  }
  return patch;
}

// showError puts err next to its field, or at the top of the form if it names none we show.
function showError(err) {
  const field = err.code === 'already_exists' ? 'name' : err.field;
  const target = field && errorTarget(field, err.message);
  if (!target) {
    show(f.formError, err.message);
    f.formError.scrollIntoView({ block: 'nearest' });
    return;
  }
  // The field is named by its label already; "webhook_url: must be..." reads "Must be...".
  let msg = err.message.startsWith(`${field}: `) ? err.message.slice(field.length + 2) : err.message;
  msg = msg.charAt(0).toUpperCase() + msg.slice(1);
  show($(`#rule-${field}-error`), msg);
  target.setAttribute('aria-invalid', 'true');
  target.focus();
}

// errorTarget is the control to mark invalid and focus for an error about field.
function errorTarget(field, message) {
  switch (field) {
    case 'name': return f.name;
    case 'webhook_url': return selectedType() === 'webhook' ? f.url : null;
    case 'format': return selectedType() === 'webhook' ? f.format : null;
    case 'type': return f.types.find((r) => r.checked) ?? f.types[0];
    case 'events': return f.events.querySelector('input');
    case 'email_recipients': {
      if (selectedType() !== 'email') return null;
      // Messages quote the culprit: "email_recipients: \"bob@\" is not a valid email address".
      const quoted = message.match(/"([^"]*)"/)?.[1];
      const inputs = recipients.inputs();
      return inputs.find((i) => quoted !== undefined && i.value.trim() === quoted) ?? inputs[0];
    }
    default: return null;
  }
}

function clearError(field) {
  const el = $(`#rule-${field}-error`);
  if (el) show(el, '');
  for (const c of $$(`[data-field="${field}"] [aria-invalid]`, form)) c.removeAttribute('aria-invalid');
}

function clearErrors() {
  show(f.formError, '');
  for (const el of $$('[data-field]', form)) clearError(el.dataset.field);
}
