import createNextIntlPlugin from 'next-intl/plugin';

const withNextIntl = createNextIntlPlugin('./lib/i18n/request.ts');

// the same value as API_CSP in lib/server/headers.ts (this file is plain JavaScript)
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 is a native addon: load it from node_modules at run time instead of bundling it.
  serverExternalPackages: ['better-sqlite3'],
  poweredByHeader: false,
  // parallel builds (e.g. several developers' browser tests on one machine) each use their own folder
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // JSON and file responses of route handlers: nothing may load or frame them (pages get their
  // nonce-based policy from proxy.ts; lib/server/headers.ts holds both)
  async headers() {
    return [{ source: '/api/:path*', headers: [{ key: 'Content-Security-Policy', value: API_CSP }] }];
  },
  // browsers ask for /favicon.ico on their own (a JSON answer opened in a tab, a bookmark): the app's
  // icon (app/icon.svg) rather than a not-found page; temporary, so no browser keeps it for good
  async redirects() {
    return [{ source: '/favicon.ico', destination: '/icon.svg', permanent: false }];
  },
  experimental: {
    authInterrupts: true,
    // CSV imports (IQC, EQA, registry) are posted through server actions; the services cap them at 20 MB
    serverActions: { bodySizeLimit: '25mb' },
  },
};

export default withNextIntl(nextConfig);
