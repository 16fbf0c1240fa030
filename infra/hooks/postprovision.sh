#!/bin/sh
# azd post-provision hook: applies sql/mssql to the database as the signed-in user (Entra, no password), then
# gives the function app's managed identity its database user and roles. Safe to run again.
# azd exports the Bicep outputs (SQL_SERVER_HOST, SQL_DATABASE_NAME, AZURE_IDENTITY_NAME) to this shell.
set -eu
cd "$(dirname "$0")/../.."
: "${SQL_SERVER_HOST:?run through azd (azd provision) so the Bicep outputs are set}"
npm ci --no-audit --no-fund
# No client id: DefaultAzureCredential takes your `azd auth login` / `az login` account.
export SQL_CONNECTION_STRING="Server=tcp:${SQL_SERVER_HOST},1433;Database=${SQL_DATABASE_NAME};Authentication=Active Directory Integrated;Encrypt=true"
export DATABASE_ENGINE=mssql
echo "Applying migrations to ${SQL_DATABASE_NAME} on ${SQL_SERVER_HOST}"
npm run db:migrate
npx tsx scripts/azure/grant-identity.ts "${AZURE_IDENTITY_NAME}"
