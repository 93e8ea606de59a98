// What the sandbox knows about Block Kit and mrkdwn: the checks Slack makes before accepting blocks
// (invalid_blocks), who a message would notify, a plain reading of blocks for the page, and the buttons
// a person can click (with the block_id / action_id Slack makes up when the app gave none).
import { createHash } from 'node:crypto';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The text of a Block Kit text object ({type: 'mrkdwn'|'plain_text', text}). */
function textOf(value: unknown): string | undefined {
  return isObject(value) && typeof value.text === 'string' ? value.text : undefined;
}

/** Why Slack would refuse these blocks, or null when it would take them. A subset of Slack's rules. */
export function blocksProblem(blocks: unknown): string | null {
  if (!Array.isArray(blocks)) return 'blocks must be an array';
  if (blocks.length > 50) return 'no more than 50 blocks';
  const blockIds = new Set<string>();
  for (const [i, block] of blocks.entries()) {
    if (!isObject(block) || typeof block.type !== 'string') return `blocks[${i}]: missing type`;
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) return `blocks[${i}]: duplicate block_id ${block.block_id}`;
      blockIds.add(block.block_id);
    }
    const text = textOf(block.text);
    if (block.type === 'section') {
      if (text === undefined && !Array.isArray(block.fields)) return `blocks[${i}]: section needs text or fields`;
      if (text !== undefined && (text.length === 0 || text.length > 3000))
        return `blocks[${i}]: section text must be 1-3000 characters`;
      if (Array.isArray(block.fields) && block.fields.length > 10) return `blocks[${i}]: no more than 10 fields`;
    }
    if (
      block.type === 'header' &&
      (text === undefined || text.length > 150 || (block.text as Json).type !== 'plain_text')
    ) {
      return `blocks[${i}]: header needs plain_text of at most 150 characters`;
    }
    if (block.type === 'actions') {
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25)
        return `blocks[${i}]: actions needs 1-25 elements`;
      for (const [j, element] of block.elements.entries()) {
        if (!isObject(element) || typeof element.type !== 'string') return `blocks[${i}].elements[${j}]: missing type`;
        const label = textOf(element.text);
        if (element.type === 'button' && (label === undefined || label.length > 75))
          return `blocks[${i}].elements[${j}]: button text must be at most 75 characters`;
        if (typeof element.action_id === 'string' && element.action_id.length > 255)
          return `blocks[${i}].elements[${j}]: action_id too long`;
        if (typeof element.value === 'string' && element.value.length > 2000)
          return `blocks[${i}].elements[${j}]: value too long`;
      }
    }
    if (block.type === 'image') {
      const url = typeof block.image_url === 'string' ? block.image_url : '';
      if (!/^https?:\/\//.test(url) || url.length > 3000) return `blocks[${i}]: image needs an http(s) image_url`;
      if (typeof block.alt_text !== 'string' || !block.alt_text || block.alt_text.length > 2000)
        return `blocks[${i}]: image needs alt_text of 1-2000 characters`;
      // Slack downloads the image first and refuses the message when it cannot: a host under the reserved
      // .invalid domain never resolves.
      if (/^https?:\/\/[^/?#]*\.invalid([:/?#]|$)/i.test(url)) return `blocks[${i}]: downloading image failed`;
    }
    if (block.type === 'context' && (!Array.isArray(block.elements) || block.elements.length > 10))
      return `blocks[${i}]: context needs at most 10 elements`;
  }
  return null;
}

/** Every mrkdwn string in the blocks (plain_text never formats, so never pings). */
function mrkdwnTexts(blocks: unknown[]): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isObject(value)) {
      if (value.type === 'mrkdwn' && typeof value.text === 'string') out.push(value.text);
      else Object.values(value).forEach(visit);
    }
  };
  visit(blocks);
  return out;
}

/** Who Slack would notify for this message: special mentions, user ids and user groups in <...> syntax. */
export function mentionsIn(text: string, blocks: unknown[] | undefined): string[] {
  const found = new Set<string>();
  for (const source of [text, ...(blocks ? mrkdwnTexts(blocks) : [])]) {
    for (const match of source.matchAll(/<(!channel|!here|!everyone|@[UW][A-Z0-9]+|!subteam\^[A-Z0-9]+)(\|[^>]*)?>/g)) {
      const token = match[1];
      found.add(token.startsWith('!subteam^') ? token.slice(1) : token.replace(/^[!@]/, ''));
    }
  }
  return [...found];
}

/** Slack fills in a short block_id (or action_id) the app left out; here it is derived, so it is stable. */
function madeUpId(seed: string): string {
  return createHash('sha256')
    .update(seed)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 5);
}

const blockIdOf = (block: Json, index: number) =>
  typeof block.block_id === 'string' ? block.block_id : madeUpId(`block:${index}:${JSON.stringify(block)}`);

/** The blocks as Slack shows them to the app in an interaction payload: every block has its block_id. */
export function withBlockIds(blocks: unknown[] | undefined): unknown[] | undefined {
  return blocks?.map((block, i) => (isObject(block) ? { ...block, block_id: blockIdOf(block, i) } : block));
}

/** A button a person can click: in an actions block, or a section's accessory. */
export interface SlackButton {
  blockId: string;
  actionId: string;
  /** The button's text object ({type: 'plain_text', text}). */
  text: Json;
  value?: string;
  style?: string;
  url?: string;
}

function buttonOf(element: unknown, blockId: string, seed: string): SlackButton | null {
  if (!isObject(element) || element.type !== 'button') return null;
  return {
    blockId,
    actionId: typeof element.action_id === 'string' ? element.action_id : madeUpId(`action:${seed}`),
    text: isObject(element.text) ? element.text : { type: 'plain_text', text: '' },
    ...(typeof element.value === 'string' ? { value: element.value } : {}),
    ...(typeof element.style === 'string' ? { style: element.style } : {}),
    ...(typeof element.url === 'string' ? { url: element.url } : {}),
  };
}

/** Every button in the blocks, in reading order. */
export function buttonsIn(blocks: unknown[] | undefined): SlackButton[] {
  return (blocks ?? []).flatMap((block, i) => buttonsOfBlock(block, i));
}

function buttonsOfBlock(block: unknown, index: number): SlackButton[] {
  if (!isObject(block)) return [];
  const blockId = blockIdOf(block, index);
  const elements =
    block.type === 'actions' && Array.isArray(block.elements)
      ? block.elements
      : block.type === 'section'
        ? [block.accessory]
        : [];
  return elements.map((e, j) => buttonOf(e, blockId, `${blockId}:${j}`)).filter((b) => b !== null);
}

/** One element of an actions block as the page shows it: a label, and the button when it is one. */
export interface BlockElement {
  label: string;
  button?: SlackButton;
}

export interface BlockLine {
  kind: 'text' | 'context' | 'buttons' | 'divider' | 'other';
  text: string;
  /** Whether Slack formats the text (a mrkdwn text object) or shows it as typed (plain_text). */
  mrkdwn?: boolean;
  /** For 'buttons' (and a section with a button accessory): the elements, buttons clickable. */
  elements?: BlockElement[];
}

const isMrkdwn = (value: unknown) => isObject(value) && value.type === 'mrkdwn';

/** Blocks read as plain lines: section and header text, fields, context, and the actions' elements. */
export function blockLines(blocks: unknown[] | undefined): BlockLine[] {
  if (!blocks) return [];
  return blocks.flatMap((block, index): BlockLine[] => {
    if (!isObject(block)) return [];
    const elements = Array.isArray(block.elements) ? block.elements.filter(isObject) : [];
    switch (block.type) {
      case 'section': {
        const fields = Array.isArray(block.fields) ? block.fields.map(textOf).filter((t) => t !== undefined) : [];
        const objects = [block.text, ...(Array.isArray(block.fields) ? block.fields : [])].filter(isObject);
        const line: BlockLine = {
          kind: 'text',
          text: [textOf(block.text), ...fields].filter((t) => t !== undefined).join('\n'),
          mrkdwn: objects.some(isMrkdwn),
        };
        const [accessory] = buttonsOfBlock(block, index);
        return accessory
          ? [
              line,
              {
                kind: 'buttons',
                text: textOf(accessory.text) ?? '',
                elements: [{ label: textOf(accessory.text) ?? '', button: accessory }],
              },
            ]
          : [line];
      }
      case 'header':
        return [{ kind: 'text', text: textOf(block.text) ?? '' }];
      case 'context':
        return [
          {
            kind: 'context',
            text: elements.map((e) => textOf(e) ?? (typeof e.alt_text === 'string' ? e.alt_text : '')).join(' · '),
            mrkdwn: elements.some(isMrkdwn),
          },
        ];
      case 'actions': {
        const buttons = buttonsOfBlock(block, index);
        const shown = elements.map((e): BlockElement => {
          const label = textOf(e.text) ?? textOf(e.placeholder) ?? String(e.type);
          const button = e.type === 'button' ? buttons.shift() : undefined;
          return button ? { label, button } : { label };
        });
        return [{ kind: 'buttons', text: shown.map((e) => e.label).join(' | '), elements: shown }];
      }
      case 'divider':
        return [{ kind: 'divider', text: '' }];
      default:
        return [{ kind: 'other', text: `[${String(block.type)}]` }];
    }
  });
}
