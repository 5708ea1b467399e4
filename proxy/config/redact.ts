// Secrets never reach logs or summaries: a Redis URL loses its password, the admin token is masked.

export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    // Not parseable: hide everything between "//" and "@" in case it holds credentials.
    return url.replace(/\/\/[^@/]*@/, '//***@')
  }
}
