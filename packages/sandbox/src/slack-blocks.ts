// What the sandbox knows about Block Kit and mrkdwn: the checks Slack makes before accepting blocks
// (invalid_blocks), who a message would notify, and a plain reading of blocks for the page.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

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
      if (text !== undefined && (text.length === 0 || text.length > 3000)) return `blocks[${i}]: section text must be 1-3000 characters`;
      if (Array.isArray(block.fields) && block.fields.length > 10) return `blocks[${i}]: no more than 10 fields`;
    }
    if (block.type === 'header' && (text === undefined || text.length > 150 || (block.text as Json).type !== 'plain_text')) {
      return `blocks[${i}]: header needs plain_text of at most 150 characters`;
    }
    if (block.type === 'actions') {
      if (!Array.isArray(block.elements) || block.elements.length === 0 || block.elements.length > 25) return `blocks[${i}]: actions needs 1-25 elements`;
      for (const [j, element] of block.elements.entries()) {
        if (!isObject(element) || typeof element.type !== 'string') return `blocks[${i}].elements[${j}]: missing type`;
        const label = textOf(element.text);
        if (element.type === 'button' && (label === undefined || label.length > 75)) return `blocks[${i}].elements[${j}]: button text must be at most 75 characters`;
        if (typeof element.action_id === 'string' && element.action_id.length > 255) return `blocks[${i}].elements[${j}]: action_id too long`;
        if (typeof element.value === 'string' && element.value.length > 2000) return `blocks[${i}].elements[${j}]: value too long`;
      }
    }
    if (block.type === 'context' && (!Array.isArray(block.elements) || block.elements.length > 10)) return `blocks[${i}]: context needs at most 10 elements`;
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

export interface BlockLine {
  kind: 'text' | 'context' | 'buttons' | 'divider' | 'other';
  text: string;
  /** For 'buttons': each element's label. */
  labels?: string[];
}

/** Blocks read as plain lines: section and header text, fields, context, and button labels. */
export function blockLines(blocks: unknown[] | undefined): BlockLine[] {
  if (!blocks) return [];
  return blocks.filter(isObject).map((block): BlockLine => {
    const elements = Array.isArray(block.elements) ? block.elements.filter(isObject) : [];
    switch (block.type) {
      case 'section': {
        const fields = Array.isArray(block.fields) ? block.fields.map(textOf).filter((t) => t !== undefined) : [];
        return { kind: 'text', text: [textOf(block.text), ...fields].filter((t) => t !== undefined).join('\n') };
      }
      case 'header':
        return { kind: 'text', text: textOf(block.text) ?? '' };
      case 'context':
        return { kind: 'context', text: elements.map((e) => textOf(e) ?? (typeof e.alt_text === 'string' ? e.alt_text : '')).join(' · ') };
      case 'actions': {
        const labels = elements.map((e) => textOf(e.text) ?? textOf(e.placeholder) ?? String(e.type));
        return { kind: 'buttons', text: labels.join(' | '), labels };
      }
      case 'divider':
        return { kind: 'divider', text: '' };
      default:
        return { kind: 'other', text: `[${String(block.type)}]` };
    }
  });
}
