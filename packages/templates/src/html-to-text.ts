/**
 * The text part of a compiled template, when its version gives none: the HTML's visible text, a
 * line per block, links as `label (url)`. mjml's output is table soup whose structure carries no
 * meaning in text, so blocks, breaks and cells become line breaks and everything else is dropped.
 * Runs once per version (on the compiled HTML, placeholders still in it), not per render.
 */
export function htmlToText(html: string): string {
  const body = html
    .replace(/<head[\s\S]*?<\/head>/gi, '')
    .replace(/<(style|script|title)[\s\S]*?<\/\1>/gi, '')
    .replace(/<!--[\s\S]*?-->/g, '');
  const linked = body.replace(/<a\b[^>]*?href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, label: string) => {
    const text = stripTags(label).trim();
    return text === '' || text === href ? href : `${text} (${href})`;
  });
  const lines = linked
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|td|table|section)>/gi, '\n')
    .replace(/<[^>]+>/g, '');
  return decodeEntities(lines)
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''))
    .join('\n')
    .trim()
    .concat('\n');
}

function stripTags(html: string): string {
  return html.replace(/<[^>]+>/g, '');
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+|#39);/gi, (whole, name: string) => {
    if (name[0] === '#' && name[1]?.toLowerCase() === 'x')
      return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name[0] === '#') return String.fromCodePoint(Number(name.slice(1)));
    return NAMED[name.toLowerCase()] ?? whole;
  });
}
