/**
 * What `npm start` prints once everything runs (src/local/start.ts): the demo page, the embed snippet and a pixel
 * link carrying the demo email. Its own module so test/synthetic.reserved.test.ts scans the very text printed.
 */
export interface BannerInput {
  url: string;
  demoEmail: string;
  databaseUrl: string;
  queueName: string;
  queueEndpoint: string | undefined;
}

export function startBanner({ url, demoEmail, databaseUrl, queueName, queueEndpoint }: BannerInput): string {
  return `
  SmartPiXL is running.

  Demo:      ${url}/demo   (type ${demoEmail} to see it matched)
  Script:    ${url}/js/12800/1.js
  Embed:     <script src="${url}/js/12800/1.js" async></script>
  Pixel:     ${url}/12800/1_SMART.GIF?sw=1920&_cp_email=${encodeURIComponent(demoEmail)}   (also under /api/)
  Beacon:    ${url}/12800/1_SMART.DATA   (answers 204)
  Database:  ${databaseUrl}
             psql "${databaseUrl}" -c 'SELECT "Id", "CompanyID", "IPAddress", "ClientParamsJson", "ParamsJson" FROM "PiXL"."Test" ORDER BY "Id" DESC LIMIT 5'
  Health:    ${url}/api/health   (no key here; in Azure it needs a function key: ?code=<key>)
  Liveness:  ${url}/api/health/live   (anonymous, answers ok)
  Queue:     ${queueName} on Azurite (${queueEndpoint})

  Ctrl-C stops everything.
`;
}
