// The portal's entry point: sign-in, the console shell, and who is signed in.

import { api, localSession, session, ApiError } from './api.js';
import { $, show } from './dom.js';
import { openNotifications } from './notifications.js';

const views = { signin: $('#signin-view'), console: $('#console-view') };

// showSignIn shows the sign-in form, with an optional note such as why the last session ended.
async function showSignIn(note = '') {
  $('#boot').hidden = true;
  views.console.hidden = true;
  views.signin.hidden = false;
  document.title = 'Sign in · Herald';
  show($('#signin-notice'), note);
  show($('#signin-error'), '');
  $('#signin-token').value = '';
  $('#signin-token').removeAttribute('aria-invalid');
  $('#signin-token').focus();
  $('#local-signin').hidden = !(await localSession.available());
}

// signIn checks token with GET /v1/me and, if the API accepts it, keeps it for this tab.
async function signIn(token) {
  const me = await api.me(token);
  session.save(token);
  showConsole(me);
}

function showConsole(me) {
  $('#boot').hidden = true;
  views.signin.hidden = true;
  views.console.hidden = false;
  document.title = 'Notifications · Organization Settings · Herald';
  $('#who-user').textContent = me.email || me.subject || 'Signed in';
  $('#who-org').textContent = me.org_id;
  const role = $('#who-role');
  role.textContent = me.role;
  role.classList.toggle('member', me.role !== 'admin');
  role.setAttribute('aria-label', `Role: ${me.role}`);
  openNotifications(me);
}

function signOut(note = '') {
  session.clear();
  showSignIn(note);
}

// why adds what the API said about a 401 unless it is API Gateway's bare "Unauthorized".
const why = (err) => (err.message && err.message !== 'Unauthorized' ? ` (${err.message})` : '');

function signInFailed(err) {
  const input = $('#signin-token');
  const msg = err.status === 401
    ? `That token was not accepted${why(err)}. Check that it is a current API token for your organization.`
    : err.message;
  show($('#signin-error'), msg);
  input.setAttribute('aria-invalid', 'true');
  input.focus();
}

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const token = $('#signin-token').value.trim();
  if (!token) {
    signInFailed(new ApiError(400, { message: 'Paste an API token to sign in.' }));
    return;
  }
  const btn = $('#signin-submit');
  btn.disabled = true;
  try {
    await signIn(token);
  } catch (err) {
    signInFailed(err);
  } finally {
    btn.disabled = false;
  }
});

$('#local-signin-button').addEventListener('click', async () => {
  const btn = $('#local-signin-button');
  btn.disabled = true;
  try {
    await signIn(await localSession.token());
  } catch (err) {
    signInFailed(err);
  } finally {
    btn.disabled = false;
  }
});

$('#signout').addEventListener('click', () => signOut('You are signed out.'));

// Any 401 means the token expired or was revoked: start over.
window.addEventListener('herald:unauthorized', (e) => {
  if (!views.console.hidden) signOut(`Your session has ended${why(e.detail)}. Sign in again.`);
});

// Boot: resume this tab's session if it has one.
(async () => {
  const token = session.token();
  if (!token) {
    showSignIn();
    return;
  }
  try {
    showConsole(await api.me(token));
  } catch (err) {
    if (err.status === 401) signOut(`Your session has ended${why(err)}. Sign in again.`);
    else showSignIn(err.message);
  }
})();
