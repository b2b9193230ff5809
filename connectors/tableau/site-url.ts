/**
 * Where a Tableau site is, from the URL a user copies out of the browser (destinations.md C2, C8 (10)):
 * Cloud `https://10ay.online.tableau.com/#/site/acme/home` → origin `https://10ay.online.tableau.com`,
 * contentUrl `acme`; Server `https://tableau.example.com/#/site/finance/…` or just the host (Default site,
 * contentUrl ''). A Cloud host without its pod (`online.tableau.com`) reaches no API and is refused.
 */

export type TableauDeployment = 'cloud' | 'server';

export interface TableauSite {
  /** `https://<pod>.online.tableau.com` or the Server's origin (scheme, host, port). */
  origin: string;
  /** The `/site/<x>/` segment; '' is the Default site on Server. */
  contentUrl: string;
}

export class TableauSiteUrlError extends Error {
  override name = 'TableauSiteUrlError';
}

const CLOUD_SUFFIX = '.online.tableau.com';

export function parseSiteUrl(deployment: TableauDeployment, raw: string): TableauSite {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new TableauSiteUrlError('must be a URL such as https://10ay.online.tableau.com/#/site/acme/home');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TableauSiteUrlError('must be an http(s) URL');
  const host = url.hostname.toLowerCase();
  const isCloudHost = host === 'online.tableau.com' || host.endsWith(CLOUD_SUFFIX);
  const contentUrl = siteSegment(url);
  if (deployment === 'cloud') {
    if (!isCloudHost) throw new TableauSiteUrlError(`a Tableau Cloud site URL is on <pod>${CLOUD_SUFFIX}, not ${host}`);
    if (host === 'online.tableau.com' || host === `www${CLOUD_SUFFIX}` || host === `sso${CLOUD_SUFFIX}`) {
      throw new TableauSiteUrlError('the Tableau Cloud host must include its pod, e.g. https://10ay.online.tableau.com/#/site/acme (use the host shown after you sign in)');
    }
    if (url.protocol !== 'https:') throw new TableauSiteUrlError('Tableau Cloud is reached over https');
    if (contentUrl === '') throw new TableauSiteUrlError('a Tableau Cloud URL names its site: https://<pod>.online.tableau.com/#/site/<site>/…');
  } else if (isCloudHost) {
    throw new TableauSiteUrlError('this is a Tableau Cloud URL: choose deployment "cloud"');
  }
  return { origin: url.origin, contentUrl };
}

/** `#/site/<x>/…` (the browser form) or `/site/<x>` / `/t/<x>` in the path; '' when none (Default site). */
function siteSegment(url: URL): string {
  const hash = url.hash.replace(/^#/, '');
  for (const part of [hash, url.pathname]) {
    const m = /(?:^|\/)(?:site|t)\/([^/?#]+)/.exec(part);
    if (m) return decodeURIComponent(m[1]!);
  }
  return '';
}
