import createNextIntlPlugin from 'next-intl/plugin';

const withNextIntl = createNextIntlPlugin('./lib/i18n/request.ts');

/** @type {import('next').NextConfig} */
const nextConfig = {
  // better-sqlite3 is a native addon: load it from node_modules at run time instead of bundling it.
  serverExternalPackages: ['better-sqlite3'],
  poweredByHeader: false,
  // parallel builds (e.g. several developers' browser tests on one machine) each use their own folder
  distDir: process.env.NEXT_DIST_DIR || '.next',
  experimental: {
    authInterrupts: true,
    // CSV imports (IQC, EQA, registry) are posted through server actions; the services cap them at 20 MB
    serverActions: { bodySizeLimit: '25mb' },
  },
};

export default withNextIntl(nextConfig);
