// SmartPiXL on Azure Functions (Flex Consumption, Node 22): storage with the hit queues, Application Insights
// on Log Analytics, a user-assigned managed identity used for Storage, Application Insights and Azure SQL (Entra
// authentication, no password in any setting), the function app, alert rules and a workbook
// (monitoring.bicep). The database is a new Azure SQL database (sqlMode 'new', the deploying user its Entra
// admin) or an existing SQL Server / Azure SQL database (sqlMode 'existing').
//
//   azd up          (azure.yaml: provision, migrations by the post-provision hook, deploy)
//
// docs/DEPLOY.md is the guide; `npm run check:infra` builds and lints this file.

targetScope = 'resourceGroup'

@description('Short name used to derive resource names.')
@minLength(3)
@maxLength(12)
param name string = 'smartpixl'

param location string = resourceGroup().location

@description('new: create an Azure SQL server and serverless database; existing: connect to sqlServerName / sqlDatabaseName.')
@allowed([ 'new', 'existing' ])
param sqlMode string = 'new'

@description('Existing mode: the SQL Server host name (e.g. myserver.database.windows.net). New mode: ignored.')
param sqlServerName string = ''

@description('Database name (created in new mode).')
param sqlDatabaseName string = 'SmartPiXL'

// Serverless: 0.5 vCore minimum for 1 to 4, so idle costs the same; the maximum also sets the concurrent workers
// (75, 150, 300 for GP_S_Gen5_1, _2, _4), which must hold the hit-writer's writes in flight (maximumInstanceCount
// x WRITER_MAX_CONCURRENT_WRITES, 200 by default) beside the ETL's: beyond them the database answers 10928 and
// the writer re-queues (docs/DEPLOY.md "Cost per million hits").
@description('Compute size of the new database (created in new mode).')
param sqlSkuName string = 'GP_S_Gen5_4'

@description('Object id of the Entra user or group that becomes the new SQL server\'s admin and may replay the poison queue (azd passes the signed-in user).')
param principalId string = ''

@description('Sign-in name of that admin, shown as the server\'s Entra admin.')
param principalName string = 'smartpixl-admin'

@description('Public address allowed through the new SQL server\'s firewall for the migrations (your machine). Empty: none.')
param deployerIpAddress string = ''

@description('E-mail that receives the alerts. Empty: the alerts fire without notifying anyone.')
param alertEmail string = ''

@description('The consumer file matching reads, as [database.]schema.table (docs/DEPLOY.md). Empty: the AutoConsumer the migrations create.')
param autoConsumerTable string = ''

@description('Unparsed rows above which the parse-lag alert fires.')
param parseLagAlertThreshold int = 50000

@description('Queue of captured hits.')
param pixelQueueName string = 'pixel-hits'

@description('Where the client address comes from: client-ip (plain Function App), x-azure-socketip (Front Door) or cf-connecting-ip (Cloudflare) first.')
param clientIpSources string = 'client-ip,x-forwarded-for'

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

var suffix = uniqueString(resourceGroup().id, name)
var storageName = toLower('${take(replace(name, '-', ''), 10)}${take(suffix, 12)}')
var deploymentContainer = 'app-package'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${name}-${suffix}'
  location: location
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // Identity only: no account keys in settings.
    allowSharedKeyAccess: false
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource hitQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: pixelQueueName
}

resource poisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: '${pixelQueueName}-poison'
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

// Built-in role ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource blobRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

// The pixel sends to the queue and the hit-writer reads, deletes and poisons messages.
resource queueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

// The deploying user replays the poison queue from their own machine (npm run queue:requeue-poison,
// docs/DEPLOY.md); the account takes no keys, so that needs a data role of its own.
resource operatorQueueRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(storage.id, principalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

resource telemetryRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

// Entra authentication through mssql (DefaultAzureCredential with the identity's client id): no password.
var sqlHost = sqlMode == 'new' ? '${sqlServer.name}${environment().suffixes.sqlServerHostname}' : sqlServerName
var sqlConnectionString = 'Server=tcp:${sqlHost},1433;Database=${sqlDatabaseName};Authentication=Active Directory Integrated;Client Id=${identity.properties.clientId};Encrypt=true'

resource sqlServer 'Microsoft.Sql/servers@2023-08-01' = if (sqlMode == 'new') {
  name: 'sql-${name}-${suffix}'
  location: location
  properties: {
    minimalTlsVersion: '1.2'
    administrators: {
      administratorType: 'ActiveDirectory'
      azureADOnlyAuthentication: true
      login: principalName
      sid: principalId
      tenantId: subscription().tenantId
      principalType: 'User'
    }
  }
}

resource sqlDatabase 'Microsoft.Sql/servers/databases@2023-08-01' = if (sqlMode == 'new') {
  parent: sqlServer
  name: sqlDatabaseName
  location: location
  sku: { name: sqlSkuName, tier: 'GeneralPurpose' }
  properties: {
    // Keys compare as bytes, as on PostgreSQL (initdb --locale=C): pixels `ABC` and `abc` stay two, and emails
    // differing only in a letter's case or accent are not merged. Fixed at creation (src/db/mssql/schema.ts warns
    // about a database without it).
    collation: 'Latin1_General_100_BIN2_UTF8'
    autoPauseDelay: 60
    minCapacity: json('0.5')
  }
}

// Flex Consumption without a virtual network leaves from shared Azure addresses.
resource sqlAllowAzure 'Microsoft.Sql/servers/firewallRules@2023-08-01' = if (sqlMode == 'new') {
  parent: sqlServer
  name: 'AllowAllWindowsAzureIps'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource sqlAllowDeployer 'Microsoft.Sql/servers/firewallRules@2023-08-01' = if (sqlMode == 'new' && !empty(deployerIpAddress)) {
  parent: sqlServer
  name: 'deployer'
  properties: { startIpAddress: deployerIpAddress, endIpAddress: deployerIpAddress }
}

module monitoring 'monitoring.bicep' = {
  name: 'monitoring'
  params: {
    name: name
    suffix: suffix
    location: location
    appInsightsName: appInsights.name
    alertEmail: alertEmail
    parseLagAlertThreshold: parseLagAlertThreshold
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${name}-${suffix}'
  location: location
  tags: { 'azd-service-name': 'api' }
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: 2048
      }
      runtime: {
        name: 'node'
        version: '22'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      // The pixel is embedded on client sites: any origin may call it.
      cors: { allowedOrigins: [ '*' ] }
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        { name: 'DATABASE_ENGINE', value: 'mssql' }
        { name: 'SQL_CONNECTION_STRING', value: sqlConnectionString }
        { name: 'PIXEL_QUEUE_NAME', value: pixelQueueName }
        { name: 'AUTOCONSUMER_TABLE', value: autoConsumerTable }
        { name: 'CLIENT_IP_SOURCES', value: clientIpSources }
        { name: 'TRUSTED_PROXY_HOPS', value: '1' }
      ]
    }
  }
  dependsOn: [ blobRole, queueRole, telemetryRole, packageContainer, hitQueue, poisonQueue ]
}

output functionAppName string = functionApp.name
output pixelUrl string = 'https://${functionApp.properties.defaultHostName}/12800/1_SMART.GIF'
output liveUrl string = 'https://${functionApp.properties.defaultHostName}/api/health/live'
output storageAccountName string = storage.name
// Read by the post-provision hook (infra/hooks/postprovision.sh) through azd's environment.
output SQL_MODE string = sqlMode
output SQL_SERVER_HOST string = sqlHost
output SQL_DATABASE_NAME string = sqlDatabaseName
output AZURE_IDENTITY_NAME string = identity.name
output AZURE_FUNCTION_APP_NAME string = functionApp.name
output APPLICATIONINSIGHTS_NAME string = appInsights.name
