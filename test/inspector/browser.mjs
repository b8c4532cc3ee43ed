/**
 * A "browser" for the MCP Inspector's CLI OAuth flow, used through `$BROWSER` (xdg-open runs `$BROWSER <url>`):
 * opens the authorization URL on the sample's development provider, which logs in and consents by itself
 * (`followAuthorization`), then GETs the final redirect — the Inspector's loopback callback URL — so the Inspector
 * receives the code. Needs the compiled sample (dist-sample/, `tsc -p tsconfig.sample.json`).
 *
 * Environment: INSPECTOR_BROWSER_LOG (a file: one JSON line per authorization, since xdg-open discards this
 * process' output), DEV_LOGIN_DECLINE (scopes the user declines on the consent screen, space-separated).
 *
 * Usage: node test/inspector/browser.mjs <authorization-url>
 */
import { appendFileSync } from 'node:fs';

const { followAuthorization } = await import('../../dist-sample/sample/dev-provider/oidc-provider.js');

const record = (entry) => {
  const line = `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`;
  if (process.env.INSPECTOR_BROWSER_LOG) appendFileSync(process.env.INSPECTOR_BROWSER_LOG, line);
  else process.stderr.write(line);
};

const authorization = process.argv[2];
if (!authorization) {
  process.stderr.write('usage: browser.mjs <authorization-url>\n');
  process.exit(2);
}

try {
  const decline = process.env.DEV_LOGIN_DECLINE?.trim();
  const redirect = await followAuthorization(new URL(authorization), undefined, (url) => {
    if (decline && url.pathname.includes('/interaction/')) url.searchParams.set('decline', decline);
  });
  // The Inspector's callback listener: the request a real browser would make after the provider's redirect.
  const callback = await fetch(redirect, { redirect: 'manual' });
  const page = await callback.text();
  record({
    authorization,
    redirect: redirect.href,
    callbackStatus: callback.status,
    page: page.slice(0, 200),
  });
  process.exit(callback.ok ? 0 : 1);
} catch (error) {
  record({ authorization, error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}
