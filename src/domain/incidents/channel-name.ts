/** Slack's limit on a channel name. */
export const MAX_CHANNEL_NAME = 80;

const SUFFIX_ROOM = 4;

/**
 * The dedicated channel of an incident: `inc-<yyyymmdd>-<slug of the title>`, in what Slack accepts (lower-case
 * letters, digits, `-` and `_`, at most 80 characters). `attempt` > 0 adds `-2`, `-3`… for a name already taken.
 * A title with nothing usable in it falls back to `fallbackSlug` (the incident id).
 */
export function incidentChannelName(
  declaredAt: number,
  title: string,
  fallbackSlug: string,
  attempt = 0,
): string {
  const day = new Date(declaredAt).toISOString().slice(0, 10).replaceAll('-', '');
  const prefix = `inc-${day}-`;
  const room = MAX_CHANNEL_NAME - prefix.length - SUFFIX_ROOM;
  const slug = slugOf(title, room) || slugOf(fallbackSlug, room) || 'incident';
  return `${prefix}${slug}${attempt > 0 ? `-${attempt + 1}` : ''}`;
}

/** Lower-case ASCII words joined by `-`, accents folded, cut at a word boundary when one is near. */
export function slugOf(text: string, max: number): string {
  const words = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  if (words.length <= max) return words;
  const cut = words.slice(0, max);
  const boundary = cut.lastIndexOf('-');
  return (boundary > max / 2 ? cut.slice(0, boundary) : cut).replace(/[-_]+$/, '');
}
