import { escapeHtml, type MrkdwnContext, mrkdwnToHtml, plainTextToHtml } from './mrkdwn.js';

/**
 * Block Kit as a Slack client lays it out, to HTML: header, section (text, fields, accessory), context, actions,
 * divider, image, input, rich_text and markdown blocks; buttons (with their style, value and confirm dialog),
 * selects, text inputs. Pure: the page attaches behaviour to the `data-` attributes (a button's `data-action-id`,
 * `data-value`, `data-confirm`; an input's `data-block-id` and `data-action-id`). A block or element this does not
 * know shows as a labelled placeholder, never as nothing.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A text composition object (`plain_text` or `mrkdwn`) as HTML. */
export function textToHtml(value: unknown, context: MrkdwnContext): string {
  if (!isObject(value)) return '';
  const text = str(value.text) ?? '';
  return value.type === 'mrkdwn' ? mrkdwnToHtml(text, context) : plainTextToHtml(text, value.emoji !== false);
}

/** A message without blocks shows its `text` as mrkdwn; with blocks, the blocks. */
export function messageToHtml(message: { text?: unknown; blocks?: unknown }, context: MrkdwnContext): string {
  if (Array.isArray(message.blocks) && message.blocks.length > 0)
    return blocksToHtml(message.blocks, context);
  return `<div class="bk-text">${mrkdwnToHtml(str(message.text) ?? '', context)}</div>`;
}

export function blocksToHtml(blocks: readonly unknown[], context: MrkdwnContext): string {
  return blocks.map((block) => blockToHtml(block, context)).join('');
}

function unknown(kind: string, type: unknown): string {
  return `<div class="bk-unknown">[${escapeHtml(kind)} not shown here: ${escapeHtml(String(type))}]</div>`;
}

function blockToHtml(block: unknown, context: MrkdwnContext): string {
  if (!isObject(block)) return '';
  const id = str(block.block_id);
  const attributes = id === undefined ? '' : ` data-block-id="${escapeHtml(id)}"`;
  switch (block.type) {
    case 'header':
      return `<div class="bk-header"${attributes}>${textToHtml(block.text, context)}</div>`;
    case 'divider':
      return `<hr class="bk-divider"${attributes}>`;
    case 'section':
      return sectionToHtml(block, attributes, context);
    case 'context': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      const inner = elements
        .map((element) =>
          isObject(element) && element.type === 'image'
            ? imageToHtml(element, 'bk-context-image')
            : `<span class="bk-context-text">${textToHtml(element, context)}</span>`,
        )
        .join('');
      return `<div class="bk-context"${attributes}>${inner}</div>`;
    }
    case 'actions': {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      const inner = elements.map((element) => elementToHtml(element, context)).join('');
      return `<div class="bk-actions"${attributes}>${inner}</div>`;
    }
    case 'image':
      return `<div class="bk-image-block"${attributes}>${
        isObject(block.title) ? `<div class="bk-image-title">${textToHtml(block.title, context)}</div>` : ''
      }${imageToHtml(block, 'bk-image')}</div>`;
    case 'input':
      return inputToHtml(block, context);
    case 'markdown':
      return `<div class="bk-markdown"${attributes}>${mrkdwnToHtml(str(block.text) ?? '', context)}</div>`;
    case 'rich_text':
      return `<div class="bk-rich-text"${attributes}>${richTextToHtml(block.elements, context)}</div>`;
    default:
      return unknown('block', block.type);
  }
}

function sectionToHtml(block: Json, attributes: string, context: MrkdwnContext): string {
  const text =
    block.text === undefined ? '' : `<div class="bk-section-text">${textToHtml(block.text, context)}</div>`;
  const fields = Array.isArray(block.fields)
    ? `<div class="bk-fields">${block.fields
        .map((field) => `<div class="bk-field">${textToHtml(field, context)}</div>`)
        .join('')}</div>`
    : '';
  const accessory =
    block.accessory === undefined
      ? ''
      : `<div class="bk-accessory">${
          isObject(block.accessory) && block.accessory.type === 'image'
            ? imageToHtml(block.accessory, 'bk-accessory-image')
            : elementToHtml(block.accessory, context)
        }</div>`;
  return `<div class="bk-section"${attributes}><div class="bk-section-body">${text}${fields}</div>${accessory}</div>`;
}

/**
 * An image as its alt text in a frame: the page loads nothing from outside (a playground may have no internet, and a
 * failed load is a console error).
 */
function imageToHtml(image: Json, className: string): string {
  const alt = str(image.alt_text) ?? 'image';
  return `<span class="${className}" role="img" aria-label="${escapeHtml(alt)}" title="${escapeHtml(
    str(image.image_url) ?? '',
  )}">🖼 ${escapeHtml(alt)}</span>`;
}

/** An interactive element in an actions block or a section's accessory. */
export function elementToHtml(element: unknown, context: MrkdwnContext): string {
  if (!isObject(element)) return '';
  const actionId = escapeHtml(str(element.action_id) ?? '');
  switch (element.type) {
    case 'button': {
      const style = element.style === 'primary' || element.style === 'danger' ? ` bk-${element.style}` : '';
      const value = str(element.value);
      const url = str(element.url);
      const confirm = isObject(element.confirm) ? confirmToData(element.confirm, context) : undefined;
      return `<button type="button" class="bk-button${style}" data-action-id="${actionId}"${
        value === undefined ? '' : ` data-value="${escapeHtml(value)}"`
      }${url === undefined ? '' : ` data-url="${escapeHtml(url)}"`}${
        confirm === undefined ? '' : ` data-confirm="${escapeHtml(JSON.stringify(confirm))}"`
      }>${textToHtml(element.text, context)}</button>`;
    }
    case 'overflow':
      return `<button type="button" class="bk-overflow" disabled title="overflow menus are not simulated">⋯</button>`;
    case 'static_select':
    case 'multi_static_select':
      return selectToHtml(element, actionId, context, element.type === 'multi_static_select', 'bk-select');
    default:
      return unknown('element', element.type);
  }
}

/** A confirm dialog as the page shows it: its parts already rendered. */
export interface ConfirmDialog {
  title: string;
  text: string;
  confirm: string;
  deny: string;
  style?: string;
}

function confirmToData(confirm: Json, context: MrkdwnContext): ConfirmDialog {
  return {
    title: textToHtml(confirm.title, context) || 'Are you sure?',
    text: textToHtml(confirm.text, context),
    confirm: textToHtml(confirm.confirm, context) || 'Yes',
    deny: textToHtml(confirm.deny, context) || 'Cancel',
    ...(typeof confirm.style === 'string' ? { style: confirm.style } : {}),
  };
}

function selectToHtml(
  element: Json,
  actionId: string,
  context: MrkdwnContext,
  multiple: boolean,
  className: string,
  extra = '',
): string {
  const options = Array.isArray(element.options) ? element.options.filter(isObject) : [];
  const initial = isObject(element.initial_option) ? str(element.initial_option.value) : undefined;
  const placeholder = isObject(element.placeholder) ? str(element.placeholder.text) : undefined;
  const items = [
    ...(placeholder !== undefined && !multiple
      ? [`<option value="">${escapeHtml(placeholder)}</option>`]
      : []),
    ...options.map((option) => {
      const value = str(option.value) ?? '';
      return `<option value="${escapeHtml(value)}"${value === initial ? ' selected' : ''}>${plainOption(
        option.text,
        context,
      )}</option>`;
    }),
  ];
  return `<select class="${className}" data-action-id="${actionId}"${multiple ? ' multiple' : ''}${extra}>${items.join('')}</select>`;
}

/** Option labels are text only: a `<select>` shows no markup. */
function plainOption(text: unknown, context: MrkdwnContext): string {
  return textToHtml(text, context).replace(/<[^>]*>/g, '');
}

/** An input block in a modal: label, the element, hint, and a slot for the error Slack shows under it. */
function inputToHtml(block: Json, context: MrkdwnContext): string {
  const blockId = escapeHtml(str(block.block_id) ?? '');
  const element = isObject(block.element) ? block.element : {};
  const actionId = escapeHtml(str(element.action_id) ?? '');
  const optional = block.optional === true;
  const ids = ` data-block-id="${blockId}" data-action-id="${actionId}" data-input-key="${blockId}/${actionId}" id="input-${blockId}-${actionId}"`;
  const placeholder = isObject(element.placeholder) ? str(element.placeholder.text) : undefined;
  const common = `${ids}${placeholder === undefined ? '' : ` placeholder="${escapeHtml(placeholder)}"`}${
    optional ? '' : ' required'
  }`;
  let control: string;
  switch (element.type) {
    case 'plain_text_input': {
      const lengths = `${typeof element.min_length === 'number' ? ` minlength="${element.min_length}"` : ''}${
        typeof element.max_length === 'number' ? ` maxlength="${element.max_length}"` : ''
      }`;
      const initial = str(element.initial_value) ?? '';
      control =
        element.multiline === true
          ? `<textarea class="bk-textarea"${common}${lengths} rows="3">${escapeHtml(initial)}</textarea>`
          : `<input type="text" class="bk-text-input"${common}${lengths} value="${escapeHtml(initial)}">`;
      break;
    }
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input': {
      const type =
        element.type === 'number_input' ? 'number' : element.type === 'email_text_input' ? 'email' : 'url';
      control = `<input type="${type}" class="bk-text-input"${common} value="${escapeHtml(str(element.initial_value) ?? '')}">`;
      break;
    }
    case 'static_select':
      control = selectToHtml(element, actionId, context, false, 'bk-select', ids);
      break;
    default:
      control = unknown('input', element.type);
  }
  const hint = isObject(block.hint) ? `<div class="bk-hint">${textToHtml(block.hint, context)}</div>` : '';
  return `<div class="bk-input" data-input-block="${blockId}"><label class="bk-label" for="input-${blockId}-${actionId}">${textToHtml(
    block.label,
    context,
  )}${optional ? ' <span class="bk-optional">(optional)</span>' : ''}</label>${control}${hint}<div class="bk-error" data-error-for="${blockId}"></div></div>`;
}

/** rich_text: sections, lists, quotes and preformatted runs of text, links, mentions and emoji. */
function richTextToHtml(elements: unknown, context: MrkdwnContext): string {
  if (!Array.isArray(elements)) return '';
  return elements
    .filter(isObject)
    .map((element) => {
      const inner = richRunToHtml(element.elements, context);
      switch (element.type) {
        case 'rich_text_section':
          return `<div>${inner}</div>`;
        case 'rich_text_quote':
          return `<blockquote class="mk-quote">${inner}</blockquote>`;
        case 'rich_text_preformatted':
          return `<pre class="mk-pre">${inner}</pre>`;
        case 'rich_text_list': {
          const tag = element.style === 'ordered' ? 'ol' : 'ul';
          const items = Array.isArray(element.elements) ? element.elements.filter(isObject) : [];
          return `<${tag}>${items.map((item) => `<li>${richRunToHtml(item.elements, context)}</li>`).join('')}</${tag}>`;
        }
        default:
          return unknown('rich text', element.type);
      }
    })
    .join('');
}

function richRunToHtml(elements: unknown, context: MrkdwnContext): string {
  if (!Array.isArray(elements)) return '';
  return elements
    .filter(isObject)
    .map((element) => {
      switch (element.type) {
        case 'text': {
          let html = plainTextToHtml(str(element.text) ?? '', false);
          const style = isObject(element.style) ? element.style : {};
          if (style.code) html = `<code class="mk-code">${html}</code>`;
          if (style.bold) html = `<b>${html}</b>`;
          if (style.italic) html = `<i>${html}</i>`;
          if (style.strike) html = `<s>${html}</s>`;
          return html;
        }
        case 'link':
          return mrkdwnToHtml(
            `<${str(element.url) ?? ''}|${str(element.text) ?? str(element.url) ?? ''}>`,
            context,
          );
        case 'user':
          return mrkdwnToHtml(`<@${str(element.user_id) ?? ''}>`, context);
        case 'channel':
          return mrkdwnToHtml(`<#${str(element.channel_id) ?? ''}>`, context);
        case 'usergroup':
          return mrkdwnToHtml(`<!subteam^${str(element.usergroup_id) ?? ''}>`, context);
        case 'emoji':
          return mrkdwnToHtml(`:${str(element.name) ?? ''}:`, context);
        default:
          return '';
      }
    })
    .join('');
}
