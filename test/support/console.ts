// Signing in to the operators' console as a browser does: the sign-in form's POST, not following its redirect,
// and the session cookie it sets with its 303.

export interface ConsoleSignIn {
  /** 303 when the login and password were accepted. */
  status: number;
  /** The session cookie (`name=value`) to send with later requests; undefined when none was set. */
  cookie: string | undefined;
}

export async function signInToConsole(
  loginUrl: string,
  form: { login: string; password: string; next?: string },
): Promise<ConsoleSignIn> {
  const res = await fetch(loginUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    redirect: 'manual',
  });
  return { status: res.status, cookie: res.headers.get('set-cookie')?.split(';')[0] };
}
