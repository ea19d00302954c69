// Organization Settings → Notifications: the table of the organization's rules, the enabled
// switch, and the way into the form, the deliveries and the delete confirmation.

import { api } from './api.js';
import { $, h, show, announce, alertError, timeEl } from './dom.js';
import { openRuleForm } from './rule-form.js';
import { openDeliveries } from './deliveries.js';
import { confirmDelete, showSecret } from './dialogs.js';

// The event types the API knows, refreshed from GET /v1/event-types; these stand in until then.
let eventTypes = [
  { name: 'login-success', title: 'New sessions', description: 'Triggered on any successful client login.' },
  { name: 'login-failure', title: 'Failed sessions', description: 'Triggered when a client login fails.' },
  { name: 'audit-events', title: 'Audit events', description: 'Triggered by any audited change in the organization.' },
];

// Icons sit next to this module, in the same versioned folder.
const icons = {
  mail: new URL('./mail.svg', import.meta.url).pathname,
  webhook: new URL('./webhook.svg', import.meta.url).pathname,
};

const typeTitle = (name) => eventTypes.find((t) => t.name === name)?.title || name;

const el = {
  newButton: $('#new-notification'),
  memberNotice: $('#member-notice'),
  loading: $('#rules-loading'),
  empty: $('#rules-empty'),
  table: $('#rules-table'),
  body: $('#rules-body'),
};

let generation = 0; // ignores answers meant for an earlier sign-in

// openNotifications shows the tab for the signed-in caller.
export async function openNotifications(me) {
  generation++;
  el.body.replaceChildren();
  el.table.hidden = el.empty.hidden = true;
  el.newButton.hidden = true;
  show(el.memberNotice, '');
  alertError('');
  if (me.role !== 'admin') {
    memberOnly(me);
    return;
  }
  el.newButton.hidden = false;
  el.loading.hidden = false;
  await Promise.all([loadEventTypes(), refresh()]);
  el.loading.hidden = true;
}

function memberOnly(me) {
  el.loading.hidden = true;
  el.newButton.hidden = true;
  el.table.hidden = el.empty.hidden = true;
  el.body.replaceChildren();
  show(el.memberNotice, `Only admins manage notifications. You are signed in as ${me.role} of ${me.org_id}.`);
}

async function loadEventTypes() {
  try {
    const { event_types: types } = await api.eventTypes();
    // "New sessions: triggered on any successful client login." → title and description.
    eventTypes = types.map(({ name, description }) => {
      const [title, rest] = description.split(/:\s*/, 2);
      return rest
        ? { name, title, description: rest[0].toUpperCase() + rest.slice(1) }
        : { name, title: name, description };
    });
  } catch {
    // The built-in list is the same three types; the form still works.
  }
}

// refresh reloads the table, keeping keyboard focus on the same control of the same rule.
async function refresh() {
  const gen = generation;
  const active = document.activeElement;
  const focusRule = active?.closest?.('tr[data-rule]')?.dataset.rule;
  const focusAction = active?.dataset?.action;
  let rules;
  try {
    ({ notifications: rules } = await api.list());
  } catch (err) {
    if (gen !== generation) return;
    if (err.status === 403) {
      const me = { role: $('#who-role').textContent, org_id: $('#who-org').textContent };
      memberOnly(me);
    } else if (err.status !== 401) {
      alertError(`The notifications could not be loaded: ${err.message}`);
    }
    return;
  }
  if (gen !== generation) return;
  const rows = rules.map(row);
  el.body.replaceChildren(...rows);
  el.table.hidden = rules.length === 0;
  el.empty.hidden = rules.length > 0;
  if (focusRule && focusAction) {
    el.body.querySelector(`tr[data-rule="${CSS.escape(focusRule)}"] [data-action="${focusAction}"]`)?.focus();
  }
  loadLatest(rules.map((r, i) => [r, rows[i].querySelector('.cell-latest')]), gen); // not awaited
}

// loadLatest fills each row's latest delivery: one request per rule, a few at a time, since an
// organization may have 100 rules and each request is a Lambda invocation.
function loadLatest(queue, gen) {
  const worker = async () => {
    while (queue.length > 0 && gen === generation) {
      const [rule, cell] = queue.shift();
      try {
        const { deliveries } = await api.deliveries(rule.name, { limit: 1 });
        cell.replaceChildren(latestBadge(deliveries[0]));
      } catch (err) {
        cell.replaceChildren(h('span', { class: 'muted', title: err.message }, 'unavailable'));
      }
    }
  };
  return Promise.all(Array.from({ length: 6 }, worker));
}

function row(rule) {
  const latest = h('td', { class: 'cell-latest', dataset: { label: 'Latest delivery' } },
    h('span', { class: 'muted loading' }, h('span', { 'aria-hidden': 'true' }, '…'),
      h('span', { class: 'visually-hidden' }, 'Loading')));
  const tr = h('tr', { dataset: { rule: rule.name } },
    h('td', { class: 'cell-name', dataset: { label: 'Name' } },
      h('span', { class: `rule-name${rule.enabled ? '' : ' disabled'}` }, rule.name),
      typeLine(rule)),
    h('td', { dataset: { label: 'Destination' } }, destination(rule)),
    h('td', { dataset: { label: 'Events' } },
      h('div', { class: 'chips' }, rule.events.map((e) => h('span', { class: 'chip', title: e }, typeTitle(e))))),
    h('td', { dataset: { label: 'Enabled' } }, enabledSwitch(rule)),
    latest,
    h('td', { class: 'cell-actions' },
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'btn-link', 'data-action': 'deliveries',
          'aria-label': `Deliveries of ${rule.name}`, onclick: () => openDeliveries(rule.name),
        }, 'Deliveries'),
        h('button', {
          type: 'button', class: 'btn-link', 'data-action': 'edit',
          'aria-label': `Edit ${rule.name}`, onclick: () => edit(rule),
        }, 'Edit'),
        h('button', {
          type: 'button', class: 'btn-link danger', 'data-action': 'delete',
          'aria-label': `Delete ${rule.name}`, onclick: () => remove(rule),
        }, 'Delete'))));
  return tr;
}

const formatNames = {
  generic: 'Generic', slack: 'Slack', teams: 'Microsoft Teams', discord: 'Discord', googlechat: 'Google Chat',
};

// typeLine says how the rule delivers, under its name: "Email", "Webhook · Slack".
function typeLine(rule) {
  const icon = (name) => h('img', { src: icons[name], alt: '', width: 13, height: 13 });
  if (rule.type === 'email') return h('span', { class: 'type' }, icon('mail'), 'Email');
  const fmt = formatNames[rule.format];
  return h('span', { class: 'type' }, icon('webhook'), fmt ? `Webhook · ${fmt}` : 'Webhook');
}

// destination shows the recipients, or the webhook URL as the API lists it (tokens masked).
function destination(rule) {
  if (rule.type === 'webhook') {
    return h('span', { class: 'dest mono', title: rule.webhook_url }, rule.webhook_url);
  }
  const [first, ...rest] = rule.email_recipients || [];
  return h('span', { class: 'dest', title: (rule.email_recipients || []).join(', ') },
    first || '—', rest.length > 0 && h('span', { class: 'more' }, ` +${rest.length} more`));
}

function enabledSwitch(rule) {
  const input = h('input', {
    type: 'checkbox', role: 'switch', class: 'switch', checked: rule.enabled,
    'data-action': 'toggle', 'aria-label': `Enabled: ${rule.name}`,
  });
  // While a change is saving, further clicks are ignored rather than the switch disabled, so it
  // keeps keyboard focus.
  input.addEventListener('click', (e) => {
    if (input.getAttribute('aria-busy') === 'true') e.preventDefault();
  });
  input.addEventListener('change', () => toggle(input, rule));
  return input;
}

// toggle saves the switch at once; if the API refuses, the switch goes back and says why.
async function toggle(input, rule) {
  const want = input.checked;
  input.setAttribute('aria-busy', 'true');
  alertError('');
  try {
    const saved = await api.update(rule.name, { enabled: want });
    rule.enabled = saved.enabled;
    input.checked = saved.enabled;
    input.closest('tr')?.querySelector('.rule-name')?.classList.toggle('disabled', !saved.enabled);
    announce(`${rule.name} is ${saved.enabled ? 'enabled' : 'disabled'}.`);
  } catch (err) {
    input.checked = !want;
    if (err.status !== 401) alertError(`${rule.name} could not be ${want ? 'enabled' : 'disabled'}: ${err.message}`);
  } finally {
    input.removeAttribute('aria-busy');
  }
}

function latestBadge(d) {
  if (!d) {
    return h('span', { class: 'muted' }, h('span', { 'aria-hidden': 'true' }, '—'),
      h('span', { class: 'visually-hidden' }, 'No deliveries yet'));
  }
  return h('span', { class: 'latest' },
    h('span', { class: `badge ${d.outcome}`, 'data-outcome': d.outcome }, d.outcome),
    timeEl(d.time));
}

el.newButton.addEventListener('click', () => {
  openRuleForm({ eventTypes, onSaved: created });
});

function created(rule, secret) {
  alertError('');
  announce(`Created ${rule.name}.`);
  refresh();
  if (secret) showSecret(rule.name, secret, el.newButton);
}

async function edit(listed) {
  alertError('');
  let rule;
  try {
    rule = await api.show(listed.name); // the list masks the webhook URL; the form needs it whole
  } catch (err) {
    if (err.status === 404) refresh();
    if (err.status !== 401) alertError(`${listed.name} could not be opened: ${err.message}`);
    return;
  }
  openRuleForm({
    rule, eventTypes,
    onSaved: (saved) => {
      announce(`Saved ${saved.name}.`);
      refresh();
    },
  });
}

async function remove(rule) {
  alertError('');
  const deleted = await confirmDelete(rule.name, async () => {
    await api.remove(rule.name);
    announce(`Deleted ${rule.name}.`);
    await refresh();
  });
  if (deleted) el.newButton.focus(); // the row, and the button that opened the dialog, are gone
}
