/**
 * A page's `?notice=` picks one of its fixed texts; nothing a link carries is echoed, and only
 * the table's own keys count (`?notice=constructor` is no key of it).
 */
export function noticeFor(notices: Readonly<Record<string, string>>, key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(notices, key) ? notices[key] : undefined
}
