/**
 * Slack's Block Kit rules, as Slack applies them when a message or a view arrives: the documented limits of
 * surfaces, blocks, elements and composition objects (https://docs.slack.dev/reference/block-kit), checked on the
 * JSON exactly as it came over the wire. Each problem carries a JSON pointer, and `slackErrorMessages` words them
 * the way Slack's `response_metadata.messages` do (`[ERROR] must be less than 3001 characters
 * [json-pointer:/blocks/0/text/text]`).
 */

export type Surface = 'message' | 'modal' | 'home';

export interface BlockKitProblem {
  /** JSON pointer into the request: `/blocks/3/elements/0/text/text`, `/view/title/text`. */
  pointer: string;
  message: string;
}

/** The limits, named as Slack's reference states them. */
export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  messageText: 40_000,
  blockId: 255,
  actionId: 255,
  sectionText: 3_000,
  sectionFields: 10,
  sectionFieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  buttonUrl: 3_000,
  accessibilityLabel: 75,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  textObject: 3_000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3_000,
  callbackId: 255,
  inputLabel: 2_000,
  inputHint: 2_000,
  placeholder: 150,
  plainTextInputLength: 3_000,
  imageUrl: 3_000,
  altText: 2_000,
  imageTitle: 2_000,
  optionText: 75,
  optionValue: 150,
  optionDescription: 75,
  selectOptions: 100,
  overflowOptions: 5,
  checkboxOptions: 10,
  markdownBlockText: 12_000,
} as const;

/** Blocks every surface takes; messages take a few more. */
const VIEW_BLOCKS = [
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'image',
  'rich_text',
  'input',
  'video',
];

const BLOCKS_BY_SURFACE: Record<Surface, ReadonlySet<string>> = {
  message: new Set([...VIEW_BLOCKS, 'markdown', 'file']),
  modal: new Set(VIEW_BLOCKS),
  home: new Set(VIEW_BLOCKS),
};

const INTERACTIVE = new Set([
  'button',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
  'overflow',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'file_input',
]);

const ACCESSORY = new Set([...INTERACTIVE].filter((type) => !type.endsWith('_input')).concat('image'));
const ACTIONS_ELEMENTS = new Set([...ACCESSORY].filter((type) => type !== 'image'));
const INPUT_ELEMENTS = new Set([...INTERACTIVE].filter((type) => type !== 'button' && type !== 'overflow'));

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

class Checker {
  readonly problems: BlockKitProblem[] = [];
  readonly actionIds = new Map<string, string>();
  readonly blockIds = new Map<string, string>();

  problem(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  string(value: unknown, pointer: string, max: number, options: { required?: boolean; min?: number } = {}) {
    if (value === undefined) {
      if (options.required)
        this.problem(pointer.replace(/\/[^/]*$/, ''), `missing required field: ${last(pointer)}`);
      return;
    }
    if (typeof value !== 'string') return this.problem(pointer, 'must provide a string');
    if (value.length < (options.min ?? 0))
      this.problem(pointer, `must be more than ${(options.min ?? 0) - 1} characters`);
    if (value.length > max) this.problem(pointer, `must be less than ${max + 1} characters`);
  }

  /** A text composition object; `plainOnly` where Slack accepts only `plain_text`. */
  text(
    value: unknown,
    pointer: string,
    max: number,
    options: { plainOnly?: boolean; required?: boolean } = {},
  ) {
    if (value === undefined) {
      if (options.required ?? true)
        this.problem(pointer.replace(/\/[^/]*$/, ''), `missing required field: ${last(pointer)}`);
      return;
    }
    if (!isObject(value)) return this.problem(pointer, 'must be an object');
    if (value.type !== 'plain_text' && value.type !== 'mrkdwn')
      return this.problem(`${pointer}/type`, `must be one of: plain_text, mrkdwn`);
    if (options.plainOnly && value.type !== 'plain_text')
      return this.problem(`${pointer}/type`, 'must be plain_text');
    this.string(value.text, `${pointer}/text`, max, { required: true, min: 1 });
    if (value.type === 'mrkdwn' && value.emoji !== undefined)
      this.problem(`${pointer}/emoji`, 'emoji is not allowed on mrkdwn text');
  }

  uniqueId(kind: 'action_id' | 'block_id', value: unknown, pointer: string) {
    if (value === undefined) return;
    this.string(value, pointer, kind === 'action_id' ? LIMITS.actionId : LIMITS.blockId, { min: 1 });
    if (typeof value !== 'string') return;
    const seen = kind === 'action_id' ? this.actionIds : this.blockIds;
    const first = seen.get(value);
    if (first !== undefined) this.problem(pointer, `${kind} "${value}" is already used at ${first}`);
    else seen.set(value, pointer);
  }

  array(value: unknown, pointer: string, max: number, min = 0): unknown[] | undefined {
    if (!Array.isArray(value)) {
      this.problem(pointer, 'must provide an array');
      return undefined;
    }
    if (value.length < min) this.problem(pointer, `must provide at least ${min} items`);
    if (value.length > max) this.problem(pointer, `no more than ${max} items allowed`);
    return value;
  }

  confirm(value: unknown, pointer: string) {
    if (value === undefined) return;
    if (!isObject(value)) return this.problem(pointer, 'must be an object');
    this.text(value.title, `${pointer}/title`, LIMITS.confirmTitle, { plainOnly: true });
    this.text(value.text, `${pointer}/text`, LIMITS.confirmText);
    this.text(value.confirm, `${pointer}/confirm`, LIMITS.confirmButton, { plainOnly: true });
    this.text(value.deny, `${pointer}/deny`, LIMITS.confirmButton, { plainOnly: true });
    if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger')
      this.problem(`${pointer}/style`, 'must be one of: primary, danger');
  }

  option(value: unknown, pointer: string) {
    if (!isObject(value)) return this.problem(pointer, 'must be an object');
    this.text(value.text, `${pointer}/text`, LIMITS.optionText);
    this.string(value.value, `${pointer}/value`, LIMITS.optionValue, { required: true });
    this.text(value.description, `${pointer}/description`, LIMITS.optionDescription, { required: false });
  }

  options(value: unknown, pointer: string, max: number, required: boolean) {
    if (value === undefined) {
      if (required) this.problem(pointer.replace(/\/[^/]*$/, ''), 'missing required field: options');
      return;
    }
    const options = this.array(value, pointer, max, 1);
    for (const [index, option] of (options ?? []).entries()) this.option(option, `${pointer}/${index}`);
  }

  element(value: unknown, pointer: string, allowed: ReadonlySet<string>) {
    if (!isObject(value)) return this.problem(pointer, 'must be an object');
    const type = value.type;
    if (typeof type !== 'string' || !allowed.has(type))
      return this.problem(`${pointer}/type`, `unsupported type: ${String(type)}`);
    if (type === 'image') return this.image(value, pointer);
    this.uniqueId('action_id', value.action_id, `${pointer}/action_id`);
    this.confirm(value.confirm, `${pointer}/confirm`);
    switch (type) {
      case 'button':
        this.text(value.text, `${pointer}/text`, LIMITS.buttonText, { plainOnly: true });
        this.string(value.value, `${pointer}/value`, LIMITS.buttonValue);
        this.string(value.url, `${pointer}/url`, LIMITS.buttonUrl);
        this.string(value.accessibility_label, `${pointer}/accessibility_label`, LIMITS.accessibilityLabel);
        if (value.style !== undefined && value.style !== 'primary' && value.style !== 'danger')
          this.problem(`${pointer}/style`, 'must be one of: primary, danger');
        return;
      case 'overflow':
        return this.options(value.options, `${pointer}/options`, LIMITS.overflowOptions, true);
      case 'checkboxes':
      case 'radio_buttons':
        return this.options(value.options, `${pointer}/options`, LIMITS.checkboxOptions, true);
      case 'static_select':
      case 'multi_static_select':
        this.text(value.placeholder, `${pointer}/placeholder`, LIMITS.placeholder, {
          plainOnly: true,
          required: false,
        });
        if (value.options === undefined && value.option_groups === undefined)
          this.problem(pointer, 'must provide either options or option_groups');
        return this.options(value.options, `${pointer}/options`, LIMITS.selectOptions, false);
      case 'plain_text_input':
        this.text(value.placeholder, `${pointer}/placeholder`, LIMITS.placeholder, {
          plainOnly: true,
          required: false,
        });
        for (const field of ['min_length', 'max_length'] as const) {
          const length = value[field];
          if (
            length !== undefined &&
            (typeof length !== 'number' || length < 0 || length > LIMITS.plainTextInputLength)
          )
            this.problem(`${pointer}/${field}`, `must be a number from 0 to ${LIMITS.plainTextInputLength}`);
        }
        if (
          typeof value.initial_value === 'string' &&
          typeof value.max_length === 'number' &&
          value.initial_value.length > value.max_length
        )
          this.problem(`${pointer}/initial_value`, `must be less than ${value.max_length + 1} characters`);
        return;
      default:
        this.text(value.placeholder, `${pointer}/placeholder`, LIMITS.placeholder, {
          plainOnly: true,
          required: false,
        });
    }
  }

  image(value: Json, pointer: string) {
    if (value.image_url === undefined && value.slack_file === undefined)
      this.problem(pointer, 'must provide either image_url or slack_file');
    this.string(value.image_url, `${pointer}/image_url`, LIMITS.imageUrl);
    this.string(value.alt_text, `${pointer}/alt_text`, LIMITS.altText, { required: true, min: 1 });
  }

  block(value: unknown, pointer: string, surface: Surface) {
    if (!isObject(value)) return this.problem(pointer, 'must be an object');
    const type = value.type;
    if (typeof type !== 'string' || !BLOCKS_BY_SURFACE[surface].has(type))
      return this.problem(`${pointer}/type`, `unsupported type: ${String(type)}`);
    this.uniqueId('block_id', value.block_id, `${pointer}/block_id`);
    switch (type) {
      case 'section': {
        if (value.text === undefined && value.fields === undefined)
          this.problem(pointer, 'must provide either text or fields');
        if (value.text !== undefined) this.text(value.text, `${pointer}/text`, LIMITS.sectionText);
        if (value.fields !== undefined) {
          const fields = this.array(value.fields, `${pointer}/fields`, LIMITS.sectionFields, 1);
          for (const [index, field] of (fields ?? []).entries())
            this.text(field, `${pointer}/fields/${index}`, LIMITS.sectionFieldText);
        }
        if (value.accessory !== undefined) this.element(value.accessory, `${pointer}/accessory`, ACCESSORY);
        return;
      }
      case 'header':
        return this.text(value.text, `${pointer}/text`, LIMITS.headerText, { plainOnly: true });
      case 'divider':
        return;
      case 'context': {
        const elements = this.array(value.elements, `${pointer}/elements`, LIMITS.contextElements, 1);
        for (const [index, element] of (elements ?? []).entries()) {
          const at = `${pointer}/elements/${index}`;
          if (isObject(element) && element.type === 'image') this.image(element, at);
          else this.text(element, at, LIMITS.textObject);
        }
        return;
      }
      case 'actions': {
        const elements = this.array(value.elements, `${pointer}/elements`, LIMITS.actionsElements, 1);
        for (const [index, element] of (elements ?? []).entries())
          this.element(element, `${pointer}/elements/${index}`, ACTIONS_ELEMENTS);
        return;
      }
      case 'input':
        this.text(value.label, `${pointer}/label`, LIMITS.inputLabel, { plainOnly: true });
        this.text(value.hint, `${pointer}/hint`, LIMITS.inputHint, { plainOnly: true, required: false });
        if (value.element === undefined) return this.problem(pointer, 'missing required field: element');
        return this.element(value.element, `${pointer}/element`, INPUT_ELEMENTS);
      case 'image':
        this.image(value, pointer);
        return this.text(value.title, `${pointer}/title`, LIMITS.imageTitle, {
          plainOnly: true,
          required: false,
        });
      case 'markdown':
        return this.string(value.text, `${pointer}/text`, LIMITS.markdownBlockText, {
          required: true,
          min: 1,
        });
      default:
        return;
    }
  }

  blocks(value: unknown, pointer: string, surface: Surface) {
    const max = surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks;
    const blocks = this.array(value, pointer, max);
    for (const [index, block] of (blocks ?? []).entries()) this.block(block, `${pointer}/${index}`, surface);
  }
}

function last(pointer: string): string {
  return pointer.slice(pointer.lastIndexOf('/') + 1);
}

/** A message's `blocks` (as sent to chat.postMessage, chat.update, chat.postEphemeral or a response_url). */
export function validateMessageBlocks(blocks: unknown): BlockKitProblem[] {
  const checker = new Checker();
  checker.blocks(blocks, '/blocks', 'message');
  return checker.problems;
}

/** A message as a user's client receives it: `text` (the fallback and notification) and its blocks. */
export function validateMessage(message: { text?: unknown; blocks?: unknown }): BlockKitProblem[] {
  const checker = new Checker();
  if (message.text !== undefined) checker.string(message.text, '/text', LIMITS.messageText);
  if (message.blocks !== undefined) checker.blocks(message.blocks, '/blocks', 'message');
  return checker.problems;
}

/** A view for views.open, views.update, views.push (modal) or views.publish (home), under `/view`. */
export function validateView(view: unknown, expected?: 'modal' | 'home'): BlockKitProblem[] {
  const checker = new Checker();
  if (!isObject(view)) {
    checker.problem('/view', 'must be an object');
    return checker.problems;
  }
  const type = view.type;
  if (type !== 'modal' && type !== 'home') {
    checker.problem('/view/type', 'must be one of: modal, home');
    return checker.problems;
  }
  if (expected && type !== expected) checker.problem('/view/type', `must be ${expected}`);
  checker.blocks(view.blocks, '/view/blocks', type);
  checker.string(view.private_metadata, '/view/private_metadata', LIMITS.privateMetadata);
  checker.string(view.callback_id, '/view/callback_id', LIMITS.callbackId);
  checker.string(view.external_id, '/view/external_id', LIMITS.callbackId);
  if (type === 'modal') {
    checker.text(view.title, '/view/title', LIMITS.modalTitle, { plainOnly: true });
    checker.text(view.close, '/view/close', LIMITS.modalButton, { plainOnly: true, required: false });
    checker.text(view.submit, '/view/submit', LIMITS.modalButton, { plainOnly: true, required: false });
    const hasInput =
      Array.isArray(view.blocks) && view.blocks.some((block) => isObject(block) && block.type === 'input');
    if (hasInput && view.submit === undefined)
      checker.problem('/view', 'must provide submit when an input block is within the blocks array');
  }
  return checker.problems;
}

/** Problems worded as Slack words them in `response_metadata.messages`. */
export function slackErrorMessages(problems: readonly BlockKitProblem[]): string[] {
  return problems.map((problem) => `[ERROR] ${problem.message} [json-pointer:${problem.pointer}]`);
}
