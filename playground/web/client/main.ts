import type {
  Place,
  Snapshot,
  SnapshotChannel,
  SnapshotEphemeral,
  SnapshotMessage,
  SnapshotRun,
  SnapshotView,
} from '../protocol.js';
import { blocksToHtml, type ConfirmDialog, messageToHtml, textToHtml } from '../render/blocks.js';
import { escapeHtml, type MrkdwnContext } from '../render/mrkdwn.js';
import { api } from './api.js';

/**
 * The playground's page: a Slack workspace (channels, direct messages, the App Home, modals) drawn from the
 * snapshots the server streams, and the simulated GitHub Actions and traffic beside it. Every action goes to the
 * server, which turns it into what Slack or GitHub would send; nothing here decides what the bot does.
 */

const HOME = 'home';
const DM = 'dm';
const SUGGESTIONS = [
  '/deploy staging',
  '/deploy production',
  '/deploy status',
  '/flag disable scan_creation',
  '/incident declare sev1 Checkout is down',
  '/deploy staging v1.4.2',
  '/rollback api staging',
  '/deploy help',
];

const $ = <T extends HTMLElement>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
};

interface Notice {
  channel: string;
  user: string;
  ts: string;
  text: string;
}

const state = {
  snapshot: undefined as Snapshot | undefined,
  user: sessionStorage.getItem('playground.user') ?? 'U0ALICE',
  channel: sessionStorage.getItem('playground.channel') ?? 'C0STATUS',
  openThreads: new Set<string>(),
  dismissed: new Set<string>(),
  notices: [] as Notice[],
  lastSeen: new Map<string, string>(),
  history: [] as string[],
  historyAt: 0,
  highlightedRun: undefined as number | undefined,
  shownModal: '',
};

function context(snapshot: Snapshot): MrkdwnContext {
  return {
    users: new Map(
      snapshot.users
        .map((user) => [user.id, user.name] as const)
        .concat([[snapshot.bot.userId, snapshot.bot.name]]),
    ),
    channels: new Map(snapshot.channels.map((channel) => [channel.id, channel.name])),
    usergroups: new Map(snapshot.usergroups.map((group) => [group.id, group.handle])),
    now: Date.now(),
  };
}

// ---- the conversation ------------------------------------------------------------------------------------------

/** The channel being looked at: a channel id, the direct messages with the bot, or the App Home. */
function currentChannel(snapshot: Snapshot): SnapshotChannel | undefined {
  if (state.channel === HOME) return undefined;
  if (state.channel === DM)
    return snapshot.channels.find((channel) => channel.im && channel.user === state.user);
  return snapshot.channels.find((channel) => channel.id === state.channel);
}

function visibleChannels(snapshot: Snapshot): SnapshotChannel[] {
  return snapshot.channels.filter((channel) => !channel.im && channel.members.includes(state.user));
}

function clock(ts: string): string {
  return new Date(Number(ts) * 1_000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

function author(snapshot: Snapshot, userId: string): { name: string; bot: boolean } {
  if (userId === snapshot.bot.userId) return { name: snapshot.bot.name, bot: true };
  const user = snapshot.users.find((each) => each.id === userId);
  return { name: user?.realName ?? userId, bot: false };
}

function messageHtml(
  snapshot: Snapshot,
  message: SnapshotMessage,
  channel: string,
  ctx: MrkdwnContext,
  reply = false,
): string {
  const who = author(snapshot, message.user);
  const place: Place = { channel, ts: message.ts };
  const open = state.openThreads.has(`${channel}:${message.ts}`);
  const count = message.replies.length;
  const thread =
    count === 0 || reply
      ? ''
      : `<button type="button" class="thread-toggle" data-thread="${channel}:${message.ts}">${count} ${
          count === 1 ? 'reply' : 'replies'
        }${open ? ' · hide' : ''}</button>${
          open
            ? `<div class="thread">${message.replies
                .map((each) => messageHtml(snapshot, each, channel, ctx, true))
                .join('')}</div>`
            : ''
        }`;
  return `<article class="msg${reply ? ' reply' : ''}" data-ts="${message.ts}" data-place="${escapeHtml(
    JSON.stringify(place),
  )}">${avatar(who)}<div class="msg-main"><div class="msg-meta"><span class="msg-author">${escapeHtml(who.name)}</span>${
    who.bot ? '<span class="app-badge">APP</span>' : ''
  }<time>${clock(message.ts)}</time>${message.edited ? '<span class="edited">(edited)</span>' : ''}</div><div class="msg-body">${messageToHtml(
    message,
    ctx,
  )}</div>${thread}</div></article>`;
}

function avatar(who: { name: string; bot: boolean }): string {
  return `<div class="avatar${who.bot ? ' bot' : ''}" aria-hidden="true">${escapeHtml(who.name.slice(0, 1).toUpperCase())}</div>`;
}

/** A message only the viewer sees: from the app, or from Slack itself (`fromSlack`: a command that failed). */
function ephemeralHtml(
  snapshot: Snapshot,
  ephemeral: SnapshotEphemeral | Notice,
  ctx: MrkdwnContext,
  fromSlack = false,
): string {
  const who = fromSlack ? { name: 'Slackbot', bot: true } : author(snapshot, snapshot.bot.userId);
  const place: Place = { ephemeralTs: ephemeral.ts };
  return `<article class="msg ephemeral" data-ts="${ephemeral.ts}" data-place="${escapeHtml(JSON.stringify(place))}">${avatar(
    who,
  )}<div class="msg-main"><div class="msg-meta"><span class="msg-author">${escapeHtml(who.name)}</span>${
    fromSlack ? '' : '<span class="app-badge">APP</span>'
  }<time>${clock(ephemeral.ts)}</time></div><div class="msg-body">${messageToHtml(ephemeral, ctx)}</div><div class="only-you">👁 Only visible to you · <button type="button" class="link dismiss" data-dismiss="${ephemeral.ts}">Dismiss</button></div></div></article>`;
}

/** Replaces the children of `container` by `items`, keeping the elements whose HTML did not change. */
function reconcile(container: HTMLElement, items: { key: string; html: string }[]): void {
  const existing = new Map<string, HTMLElement>();
  for (const child of Array.from(container.children) as HTMLElement[]) {
    if (child.dataset.key) existing.set(child.dataset.key, child);
  }
  const wanted = items.map(({ key, html }) => {
    const kept = existing.get(key);
    if (kept && kept.dataset.html === html) return kept;
    const wrapper = document.createElement('div');
    wrapper.className = 'item';
    wrapper.dataset.key = key;
    wrapper.dataset.html = html;
    wrapper.innerHTML = html;
    return wrapper;
  });
  const keep = new Set(wanted);
  for (const child of Array.from(container.children)) if (!keep.has(child as HTMLElement)) child.remove();
  wanted.forEach((element, index) => {
    if (container.children[index] !== element)
      container.insertBefore(element, container.children[index] ?? null);
  });
}

function renderConversation(snapshot: Snapshot): void {
  const ctx = context(snapshot);
  const messages = $('#messages');
  const home = $('#home');
  const header = $('#channel-header');
  const composer = $('#composer');
  if (state.channel === HOME) {
    messages.hidden = true;
    composer.hidden = true;
    $('#suggestions').hidden = true;
    home.hidden = false;
    header.innerHTML = `<h1>${escapeHtml(snapshot.bot.name)}</h1><span class="sub">Home</span>`;
    const view = snapshot.homes.find((each) => each.user === state.user);
    const html = view
      ? `<div data-place="${escapeHtml(JSON.stringify({ viewId: view.id }))}">${blocksToHtml(
          (view.view.blocks as unknown[]) ?? [],
          ctx,
        )}</div>`
      : `<p class="empty">${escapeHtml(snapshot.bot.name)} has not published a Home tab for you (yet). Apps publish one with <code>views.publish</code> when you open it.</p>`;
    if (home.dataset.html !== html) {
      home.dataset.html = html;
      home.innerHTML = html;
    }
    return;
  }
  messages.hidden = false;
  composer.hidden = false;
  $('#suggestions').hidden = false;
  home.hidden = true;
  const channel = currentChannel(snapshot);
  const name = state.channel === DM ? snapshot.bot.name : channel ? `#${channel.name}` : '#unknown';
  header.innerHTML = `<h1>${escapeHtml(name)}</h1><span class="sub">${
    state.channel === DM ? 'direct messages' : `${channel?.members.length ?? 0} members`
  }</span>`;
  const input = $<HTMLInputElement>('#composer-input');
  input.placeholder = `Message ${name}, or type a command: /deploy staging`;
  const channelId = channel?.id ?? state.channel;
  const items: { ts: string; key: string; html: string }[] = (channel?.messages ?? []).map((message) => ({
    ts: message.ts,
    key: `m:${message.ts}`,
    html: messageHtml(snapshot, message, channelId, ctx),
  }));
  for (const ephemeral of snapshot.ephemerals) {
    if (ephemeral.user !== state.user || ephemeral.channel !== channelId || state.dismissed.has(ephemeral.ts))
      continue;
    items.push({ ts: ephemeral.ts, key: `e:${ephemeral.ts}`, html: ephemeralHtml(snapshot, ephemeral, ctx) });
  }
  for (const notice of state.notices) {
    if (notice.user !== state.user || notice.channel !== state.channel || state.dismissed.has(notice.ts))
      continue;
    items.push({ ts: notice.ts, key: `n:${notice.ts}`, html: ephemeralHtml(snapshot, notice, ctx, true) });
  }
  items.sort((a, b) => Number(a.ts) - Number(b.ts));
  // Follow new messages while the reader is at the bottom, and open a channel at its latest message.
  const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
  const opened = messages.dataset.channel !== channelId;
  messages.dataset.channel = channelId;
  reconcile(messages, items);
  if (items.length === 0)
    messages.innerHTML = `<p class="empty">Nothing here yet. Type <code>/deploy staging</code> below.</p>`;
  if (atBottom || opened) messages.scrollTop = messages.scrollHeight;
  const latest = channel?.messages.at(-1)?.ts;
  if (latest) state.lastSeen.set(channelId, latest);
}

// ---- the sidebar -------------------------------------------------------------------------------------------------

function renderSidebar(snapshot: Snapshot): void {
  $('#workspace-name').textContent = snapshot.team.name;
  const select = $<HTMLSelectElement>('#user');
  const options = snapshot.users
    .map(
      (user) =>
        `<option value="${user.id}"${user.id === state.user ? ' selected' : ''}>${escapeHtml(user.realName)} — ${escapeHtml(
          user.role,
        )}</option>`,
    )
    .join('');
  if (select.dataset.html !== options) {
    select.dataset.html = options;
    select.innerHTML = options;
  }
  const me = snapshot.users.find((user) => user.id === state.user);
  $('#role').textContent = me
    ? `${me.role}${me.groups.length > 0 ? ` · ${me.groups.map((group) => `@${group}`).join(', ')}` : ''}`
    : '';
  const unread = (channel: SnapshotChannel) => {
    const seen = Number(state.lastSeen.get(channel.id) ?? '0');
    return channel.messages.filter((message) => Number(message.ts) > seen).length;
  };
  const link = (key: string, label: string, count: number, name: string) =>
    `<button type="button" class="channel${state.channel === key ? ' current' : ''}${count > 0 ? ' unread' : ''}" data-channel="${escapeHtml(
      key,
    )}" data-channel-name="${escapeHtml(name)}">${label}${count > 0 ? `<span class="badge">${count}</span>` : ''}</button>`;
  const dm = snapshot.channels.find((channel) => channel.im && channel.user === state.user);
  const html = [
    '<div class="section-title">Apps</div>',
    link(HOME, `🏠 ${escapeHtml(snapshot.bot.name)} <span class="sub">Home</span>`, 0, 'home'),
    '<div class="section-title">Channels</div>',
    ...visibleChannels(snapshot).map((channel) =>
      link(
        channel.id,
        `# ${escapeHtml(channel.name)}`,
        state.channel === channel.id ? 0 : unread(channel),
        channel.name,
      ),
    ),
    '<div class="section-title">Direct messages</div>',
    link(DM, `● ${escapeHtml(snapshot.bot.name)}`, dm && state.channel !== DM ? unread(dm) : 0, 'dm'),
  ].join('');
  const nav = $('#channels');
  if (nav.dataset.html !== html) {
    nav.dataset.html = html;
    nav.innerHTML = html;
  }
}

// ---- GitHub, traffic, flags --------------------------------------------------------------------------------------

function runHtml(run: SnapshotRun): string {
  const outcome = run.status === 'completed' ? (run.conclusion ?? 'completed') : run.status;
  const label = outcome.replace('_', ' ');
  const controls =
    run.status === 'completed'
      ? ''
      : `<div class="run-actions"><button type="button" data-run="${run.id}" data-run-action="succeed">Succeed</button><button type="button" data-run="${run.id}" data-run-action="fail" class="danger">Fail</button><button type="button" data-run="${run.id}" data-run-action="cancel">Cancel</button></div>`;
  return `<li class="run run-${escapeHtml(outcome)}${state.highlightedRun === run.id ? ' highlighted' : ''}" data-run-id="${run.id}"><div class="run-head"><span class="pill pill-${escapeHtml(
    outcome,
  )}">${escapeHtml(label)}</span><span class="run-phase">${escapeHtml(run.phase)}${
    run.traffic ? ` · ${escapeHtml(run.traffic)} %` : ''
  }</span><span class="run-env">${escapeHtml(run.environment)}</span></div><div class="run-title">#${run.number} ${escapeHtml(
    run.title,
  )}</div>${controls}</li>`;
}

function renderPanel(snapshot: Snapshot): void {
  const { github, traffic } = snapshot;
  $('#repo').textContent = github.repo;
  setHtml(
    $('#runs'),
    [...github.runs].reverse().map(runHtml).join('') || '<li class="empty">No runs yet.</li>',
  );
  setHtml(
    $('#deployments'),
    [...github.deployments]
      .reverse()
      .slice(0, 12)
      .map((deployment) => {
        const last = deployment.statuses.at(-1);
        const state = last?.state ?? 'pending';
        return `<li><span class="pill pill-${escapeHtml(state)}">${escapeHtml(state)}</span> <b>${escapeHtml(
          deployment.environment,
        )}</b> ${escapeHtml(deployment.ref)} <span class="sub">${escapeHtml(last?.description ?? '')}</span></li>`;
      })
      .join('') || '<li class="empty">No deployments yet.</li>',
  );
  setHtml(
    $('#webhooks'),
    `workflow_run webhooks delivered: ${github.webhooks.delivered}${
      github.webhooks.refused > 0 ? ` (${github.webhooks.refused} refused)` : ''
    }`,
  );
  const refused = snapshot.slackApi.refused;
  setHtml(
    $('#slack-api-summary'),
    `${snapshot.slackApi.calls} calls from the bot · <span class="${refused.length > 0 ? 'refused' : ''}">${
      refused.length
    } refused</span>`,
  );
  setHtml(
    $('#slack-refusals'),
    refused
      .map(
        (refusal) =>
          `<li class="refusal"><code>${escapeHtml(refusal.method)}</code> <b>${escapeHtml(refusal.error)}</b>${refusal.messages
            .map((message) => `<div class="sub">${escapeHtml(message)}</div>`)
            .join('')}</li>`,
      )
      .join(''),
  );
  const lifecycle = $('#lifecycle');
  if (!lifecycle.contains(document.activeElement)) {
    $<HTMLInputElement>('#queued-s').value = String(github.lifecycle.queuedMs / 1_000);
    $<HTMLInputElement>('#run-s').value = String(github.lifecycle.runMs / 1_000);
    $<HTMLSelectElement>('#conclusion').value = github.lifecycle.conclusion;
  }
  $('#error-rate-value').textContent = `${(traffic.errorRate * 100).toFixed(1)} %`;
  $('#latency-value').textContent = `${traffic.latencyMs} ms`;
  const errorRate = $<HTMLInputElement>('#error-rate');
  const latency = $<HTMLInputElement>('#latency');
  if (document.activeElement !== errorRate)
    errorRate.value = String(Math.round(traffic.errorRate * 1_000) / 10);
  if (document.activeElement !== latency) latency.value = String(traffic.latencyMs);
  const services = new Map<string, boolean>();
  for (const service of snapshot.services) services.set(service.name, service.healthy);
  setHtml(
    $('#services'),
    services.size === 0
      ? ''
      : `<div class="row-title">Health checks</div>${[...services]
          .map(
            ([name, healthy]) =>
              `<label class="toggle"><input type="checkbox" data-service="${escapeHtml(name)}"${healthy ? ' checked' : ''}> ${escapeHtml(
                name,
              )} <span class="sub">${healthy ? 'healthy' : 'down (503)'}</span></label>`,
          )
          .join('')}`,
  );
  setHtml(
    $('#flags'),
    snapshot.flags.length === 0
      ? ''
      : `<div class="row-title">Flags, as the apps read them</div>${snapshot.flags
          .map(
            (flag) =>
              `<div class="flag"><code>${escapeHtml(flag.name)}</code> <span class="pill pill-${
                flag.enabled === null ? 'unknown' : flag.enabled ? 'success' : 'failure'
              }">${flag.enabled === null ? 'unknown' : flag.enabled ? 'on' : 'off'}</span></div>`,
          )
          .join('')}`,
  );
}

function setHtml(element: HTMLElement, html: string): void {
  if (element.dataset.html === html) return;
  element.dataset.html = html;
  element.innerHTML = html;
}

// ---- modals and confirm dialogs ----------------------------------------------------------------------------------

function renderModal(snapshot: Snapshot): void {
  const layer = $('#modal-layer');
  const modal = snapshot.modals.find((each) => each.user === state.user);
  const key = modal ? `${modal.id}:${modal.hash}` : '';
  if (key === state.shownModal) return;
  state.shownModal = key;
  if (!modal) {
    layer.hidden = true;
    layer.innerHTML = '';
    return;
  }
  const typed = typedValues(layer);
  layer.innerHTML = modalHtml(modal, context(snapshot));
  layer.hidden = false;
  for (const [key, value] of typed) {
    const input = layer.querySelector<HTMLInputElement>(`[data-input-key="${CSS.escape(key)}"]`);
    if (input) input.value = value;
  }
  layer.querySelector<HTMLElement>('input, textarea, select')?.focus();
}

function modalHtml(modal: SnapshotView, ctx: MrkdwnContext): string {
  const view = modal.view;
  const title = textToHtml(view.title, ctx);
  const submit = view.submit ? textToHtml(view.submit, ctx) : '';
  const close = view.close ? textToHtml(view.close, ctx) : 'Cancel';
  const body = blocksToHtml((view.blocks as unknown[]) ?? [], ctx);
  return `<form class="modal" role="dialog" aria-modal="true" aria-labelledby="modal-title" data-view-id="${escapeHtml(
    modal.id,
  )}" data-place="${escapeHtml(JSON.stringify({ viewId: modal.id }))}" novalidate><header><h2 id="modal-title">${title}</h2><button type="button" class="modal-x" data-modal-close aria-label="Close">×</button></header><div class="modal-body">${body}</div><div class="modal-error" role="alert"></div><footer><button type="button" class="modal-close" data-modal-close>${close}</button>${
    submit ? `<button type="submit" class="primary modal-submit">${submit}</button>` : ''
  }</footer></form>`;
}

function typedValues(layer: HTMLElement): Map<string, string> {
  const values = new Map<string, string>();
  for (const input of Array.from(layer.querySelectorAll<HTMLInputElement>('[data-input-key]')))
    values.set(input.dataset.inputKey ?? '', input.value);
  return values;
}

async function submitModal(form: HTMLFormElement): Promise<void> {
  const error = form.querySelector<HTMLElement>('.modal-error');
  for (const slot of Array.from(form.querySelectorAll<HTMLElement>('.bk-error'))) slot.textContent = '';
  if (!form.checkValidity()) {
    form.reportValidity();
    return;
  }
  const values: Record<string, Record<string, string | null>> = {};
  for (const input of Array.from(form.querySelectorAll<HTMLInputElement>('[data-input-key]'))) {
    const block = input.dataset.blockId ?? '';
    const action = input.dataset.actionId ?? '';
    values[block] = { ...values[block], [action]: input.value === '' ? null : input.value };
  }
  const button = form.querySelector<HTMLButtonElement>('.modal-submit');
  if (button) button.disabled = true;
  const answer = await api.submit({ user: state.user, viewId: form.dataset.viewId ?? '', values });
  if (button) button.disabled = false;
  if (!answer.ok) {
    if (error) error.textContent = answer.error;
    return;
  }
  for (const [block, message] of Object.entries(answer.errors ?? {})) {
    const slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(block)}"]`);
    if (slot) slot.textContent = message;
    else if (error) error.textContent = message;
  }
}

function confirmFirst(dialog: ConfirmDialog): Promise<boolean> {
  const layer = $('#confirm-layer');
  layer.innerHTML = `<div class="confirm" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title"><h2 id="confirm-title">${dialog.title}</h2><div class="confirm-text">${dialog.text}</div><footer><button type="button" data-answer="no">${dialog.deny}</button><button type="button" data-answer="yes" class="${
    dialog.style === 'danger' ? 'danger' : 'primary'
  }">${dialog.confirm}</button></footer></div>`;
  layer.hidden = false;
  layer.querySelector<HTMLButtonElement>('[data-answer="yes"]')?.focus();
  return new Promise((resolve) => {
    layer.onclick = (event) => {
      const answer = (event.target as HTMLElement).closest<HTMLElement>('[data-answer]')?.dataset.answer;
      if (answer === undefined && event.target !== layer) return;
      layer.hidden = true;
      layer.innerHTML = '';
      layer.onclick = null;
      resolve(answer === 'yes');
    };
  });
}

// ---- actions -----------------------------------------------------------------------------------------------------

function notice(text: string): void {
  state.notices.push({ channel: state.channel, user: state.user, ts: (Date.now() / 1_000).toFixed(6), text });
  render();
}

async function clickButton(button: HTMLButtonElement): Promise<void> {
  const placeHolder = button.closest<HTMLElement>('[data-place]');
  if (!placeHolder) return;
  const place = JSON.parse(placeHolder.dataset.place ?? '{}') as Place;
  if (button.dataset.confirm) {
    const dialog = JSON.parse(button.dataset.confirm) as ConfirmDialog;
    if (!(await confirmFirst(dialog))) return;
  }
  if (button.dataset.url) window.open(button.dataset.url, '_blank', 'noopener');
  button.disabled = true;
  const answer = await api.click({
    user: state.user,
    actionId: button.dataset.actionId ?? '',
    ...(button.dataset.value === undefined ? {} : { value: button.dataset.value }),
    place,
  });
  button.disabled = false;
  if (!answer.ok) notice(answer.error);
}

async function send(text: string): Promise<void> {
  if (text.trim() === '') return;
  state.history.push(text);
  state.historyAt = state.history.length;
  const channel =
    state.channel === DM ? DM : (currentChannel(state.snapshot as Snapshot)?.id ?? state.channel);
  const answer = await api.command({ user: state.user, channel, text });
  if (!answer.ok) notice(answer.error);
}

function choose(channel: string): void {
  state.channel = channel;
  sessionStorage.setItem('playground.channel', channel);
  // Slack tells the app every time the person opens its Home tab (app_home_opened).
  if (channel === HOME) {
    void api.home(state.user).then((answer) => {
      if (!answer.ok) notice(answer.error);
    });
  }
  render();
  if (channel !== HOME) $<HTMLInputElement>('#composer-input').focus();
}

function showRun(id: number): void {
  state.highlightedRun = id;
  render();
  document.querySelector(`[data-run-id="${id}"]`)?.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

function wire(): void {
  document.addEventListener('click', (event) => {
    const target = event.target as HTMLElement;
    const link = target.closest<HTMLAnchorElement>('a.mk-link');
    const runs = state.snapshot
      ? `${state.snapshot.github.webUrl}/${state.snapshot.github.repo}/actions/runs/`
      : undefined;
    if (link && runs && link.href.startsWith(runs)) {
      event.preventDefault();
      showRun(Number(link.href.slice(runs.length).split(/[/?#]/)[0]));
      return;
    }
    const button = target.closest<HTMLButtonElement>('button');
    if (!button || button.disabled) return;
    if (button.matches('.bk-button')) return void clickButton(button);
    if (button.dataset.channel !== undefined) return choose(button.dataset.channel);
    if (button.dataset.thread !== undefined) {
      const key = button.dataset.thread;
      if (state.openThreads.has(key)) state.openThreads.delete(key);
      else state.openThreads.add(key);
      return render();
    }
    if (button.dataset.dismiss !== undefined) {
      state.dismissed.add(button.dataset.dismiss);
      return render();
    }
    if (button.dataset.modalClose !== undefined) return void api.closeModal(state.user);
    if (button.dataset.run !== undefined) {
      const action = button.dataset.runAction as 'fail' | 'cancel' | 'succeed';
      return void api.run(Number(button.dataset.run), action).then((answer) => {
        if (!answer.ok) notice(answer.error);
      });
    }
    if (button.dataset.suggestion !== undefined) {
      const input = $<HTMLInputElement>('#composer-input');
      input.value = button.dataset.suggestion;
      input.focus();
    }
  });
  document.addEventListener('submit', (event) => {
    const form = event.target as HTMLFormElement;
    event.preventDefault();
    if (form.matches('.modal')) return void submitModal(form);
    if (form.id === 'composer') {
      const input = $<HTMLInputElement>('#composer-input');
      const text = input.value;
      input.value = '';
      return void send(text);
    }
    if (form.id === 'lifecycle') {
      const seconds = (selector: string) => Math.round(Number($<HTMLInputElement>(selector).value) * 1_000);
      void api.lifecycle({
        queuedMs: seconds('#queued-s'),
        runMs: seconds('#run-s'),
        conclusion: $<HTMLSelectElement>('#conclusion').value === 'failure' ? 'failure' : 'success',
      });
    }
  });
  document.addEventListener('change', (event) => {
    const target = event.target as HTMLInputElement;
    if (target.id === 'user') {
      state.user = target.value;
      sessionStorage.setItem('playground.user', state.user);
      state.shownModal = '';
      return choose(state.channel);
    }
    if (target.dataset.service !== undefined) void api.service(target.dataset.service, target.checked);
  });
  let sliderTimer: number | undefined;
  document.addEventListener('input', (event) => {
    const target = event.target as HTMLInputElement;
    if (target.id !== 'error-rate' && target.id !== 'latency') return;
    window.clearTimeout(sliderTimer);
    sliderTimer = window.setTimeout(() => {
      void api.traffic({
        errorRate: Number($<HTMLInputElement>('#error-rate').value) / 100,
        latencyMs: Number($<HTMLInputElement>('#latency').value),
      });
    }, 120);
  });
  document.addEventListener('keydown', (event) => {
    const input = event.target as HTMLElement;
    if (event.key === 'Escape' && !$('#modal-layer').hidden && $('#confirm-layer').hidden) {
      void api.closeModal(state.user);
      return;
    }
    if (input.id !== 'composer-input' || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    const composer = input as HTMLInputElement;
    state.historyAt = Math.max(
      0,
      Math.min(state.history.length, state.historyAt + (event.key === 'ArrowUp' ? -1 : 1)),
    );
    composer.value = state.history[state.historyAt] ?? '';
    event.preventDefault();
  });
  $('#suggestions').innerHTML = `<span class="sub">Try</span>${SUGGESTIONS.map(
    (text) =>
      `<button type="button" class="suggestion" data-suggestion="${escapeHtml(text)}">${escapeHtml(text)}</button>`,
  ).join('')}`;
}

function render(): void {
  const snapshot = state.snapshot;
  if (!snapshot) return;
  if (!snapshot.users.some((user) => user.id === state.user))
    state.user = snapshot.users[0]?.id ?? state.user;
  renderSidebar(snapshot);
  renderConversation(snapshot);
  renderPanel(snapshot);
  renderModal(snapshot);
  document.body.dataset.ready = 'true';
}

function connect(): void {
  const events = new EventSource('/events');
  events.onmessage = (event: MessageEvent<string>) => {
    state.snapshot = JSON.parse(event.data) as Snapshot;
    render();
  };
  events.onopen = () => document.body.classList.remove('offline');
  events.onerror = () => document.body.classList.add('offline');
}

wire();
connect();
