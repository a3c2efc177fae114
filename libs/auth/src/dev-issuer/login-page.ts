/**
 * The HTML of the development issuer: the login form, error pages and the logged-out page.
 * Chinese first with English beside it; no scripts and no external resources (inline CSS only),
 * so the Content-Security-Policy can forbid everything else. Every value is escaped.
 */

export type PageLocale = 'zh-CN' | 'en';

/** A text in both languages, rendered Chinese first: `用户名 Username`. */
export interface Bilingual {
  readonly zh: string;
  readonly en: string;
}

export interface LoginPageInput {
  readonly locale: PageLocale;
  /** Where the form posts (the authorization endpoint). */
  readonly action: string;
  /** The authorization request, carried through the form. */
  readonly hidden: Readonly<Record<string, string | undefined>>;
  readonly username?: string;
  readonly failed?: boolean;
  /** Too many failed logins: the form says so instead of "invalid password". */
  readonly throttled?: boolean;
  readonly demoUsers: readonly { readonly username: string; readonly name: string }[];
}

/** `ui_locales` → the page language: the first supported tag, else Chinese. */
export function pageLocale(uiLocales: string | null | undefined): PageLocale {
  for (const tag of (uiLocales ?? '').toLowerCase().split(/\s+/)) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'zh-CN';
}

/**
 * Scripts are forbidden outright; styles only inline. `form-action` must also name where a
 * successful login redirects to: Chromium applies it to the redirect that follows a form post.
 */
export function contentSecurityPolicy(formTargets: readonly string[] = []): string {
  const formAction = formTargets.length ? ["'self'", ...formTargets].join(' ') : "'none'";
  return [
    "default-src 'self'",
    "script-src 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    `form-action ${formAction}`,
  ].join('; ');
}

const TEXT = {
  product: { zh: '社区网格化服务管理', en: 'Community grid management' },
  login: { zh: '登录', en: 'Log in' },
  username: { zh: '用户名', en: 'Username' },
  password: { zh: '密码', en: 'Password' },
  failed: { zh: '用户名或密码错误', en: 'Invalid username or password' },
  throttled: { zh: '登录失败次数过多，请稍后再试', en: 'Too many failed logins; please try again later' },
  devNote: {
    zh: '开发环境：以下演示用户的密码都是 demo。',
    en: 'Development realm: every demo user below has the password demo.',
  },
  demoUsers: { zh: '演示用户', en: 'Demo users' },
  loggedOut: { zh: '已退出', en: 'Logged out' },
  loggedOutNote: { zh: '您已退出登录，可以关闭此页面。', en: 'You have logged out; you may close this page.' },
  error: { zh: '出错了', en: 'Something went wrong' },
} as const satisfies Record<string, Bilingual>;

export function loginPage(input: LoginPageInput): string {
  const hidden = Object.entries(input.hidden)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${esc(name)}" value="${esc(value)}">`)
    .join('\n      ');
  const users = input.demoUsers.map((u) => `<li><code>${esc(u.username)}</code> ${esc(u.name)}</li>`).join('\n        ');
  const invalid = input.failed ? ' aria-invalid="true" aria-describedby="login-error"' : '';
  const focusPassword = input.failed || Boolean(input.username);
  return page(input.locale, `${TEXT.product.zh} · ${text(TEXT.login)}`, `
    <h1><span lang="zh-CN">${esc(TEXT.product.zh)}</span> · ${bi(TEXT.login)}</h1>
    ${input.failed ? `<p id="login-error" class="error" role="alert">${bi(input.throttled ? TEXT.throttled : TEXT.failed)}</p>` : ''}
    <form method="post" action="${esc(input.action)}">
      ${hidden}
      <label for="username">${bi(TEXT.username)}</label>
      <input id="username" name="username" type="text" value="${esc(input.username ?? '')}" autocomplete="username" autocapitalize="none" spellcheck="false" required${focusPassword ? '' : ' autofocus'}${invalid}>
      <label for="password">${bi(TEXT.password)}</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required${focusPassword ? ' autofocus' : ''}${invalid}>
      <button type="submit">${bi(TEXT.login)}</button>
    </form>
    <section class="note" aria-labelledby="demo-users">
      <h2 id="demo-users">${bi(TEXT.demoUsers)}</h2>
      <p>${bi(TEXT.devNote)}</p>
      <ul>
        ${users}
      </ul>
    </section>`);
}

export function errorPage(locale: PageLocale, message: Bilingual): string {
  return page(locale, text(TEXT.error), `
    <h1>${bi(TEXT.error)}</h1>
    <p class="error" role="alert">${bi(message)}</p>`);
}

export function loggedOutPage(locale: PageLocale): string {
  return page(locale, text(TEXT.loggedOut), `
    <h1>${bi(TEXT.loggedOut)}</h1>
    <p>${bi(TEXT.loggedOutNote)}</p>`);
}

function page(locale: PageLocale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="referrer" content="no-referrer">
  <title>${esc(title)}</title>
  <style>${STYLE}</style>
</head>
<body>
  <main>${body}
  </main>
</body>
</html>
`;
}

const STYLE = `
    *, *::before, *::after { box-sizing: border-box; }
    body { margin: 0; min-height: 100vh; background: #f0f2f5; color: #1f1f1f;
      font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
    main { max-width: 26rem; margin: 0 auto; padding: 1.5rem 1rem; }
    h1 { font-size: 1.35rem; margin: 0.5rem 0 1.25rem; }
    h2 { font-size: 1rem; margin: 0 0 0.25rem; }
    form { display: flex; flex-direction: column; gap: 0.4rem; background: #fff; padding: 1.25rem; border-radius: 8px; }
    label { font-weight: 600; margin-top: 0.5rem; }
    input { font-size: 1rem; min-height: 3rem; padding: 0.5rem 0.75rem; border: 1px solid #bfbfbf; border-radius: 6px; width: 100%; }
    input:focus { outline: 3px solid #91caff; border-color: #1677ff; }
    input[aria-invalid="true"] { border-color: #cf1322; }
    button { margin-top: 1rem; min-height: 3rem; font-size: 1.05rem; font-weight: 600; color: #fff;
      background: #1677ff; border: 0; border-radius: 6px; cursor: pointer; }
    button:focus-visible { outline: 3px solid #91caff; outline-offset: 2px; }
    .error { color: #a8071a; background: #fff1f0; border: 1px solid #ffa39e; border-radius: 6px; padding: 0.6rem 0.75rem; }
    .note { margin-top: 1.25rem; font-size: 0.9rem; color: #434343; }
    .note ul { padding-left: 1.25rem; margin: 0.25rem 0; }
    code { font-size: 0.95em; background: #fff; padding: 0 0.25rem; border-radius: 3px; }
  `;

function bi(t: Bilingual): string {
  return `<span lang="zh-CN">${esc(t.zh)}</span> <span lang="en">${esc(t.en)}</span>`;
}

function text(t: Bilingual): string {
  return `${t.zh} ${t.en}`;
}

function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
