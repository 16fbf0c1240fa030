// Alert rules and the workbook over Application Insights (custom metrics `smartpixl.*` from
// src/runtime/metrics.ts, and the Functions host's request telemetry). Deployed by main.bicep.

param name string
param suffix string
param location string
param appInsightsName string
param alertEmail string
param parseLagAlertThreshold int

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${name}-${suffix}'
  location: 'global'
  properties: {
    groupShortName: take('smartpixl', 12)
    enabled: true
    emailReceivers: [ { name: 'operations', emailAddress: alertEmail, useCommonAlertSchema: true } ]
  }
}

// Each rule: a log query over the last `window`, evaluated every `frequency`; it fires when the query's
// `value` column is above `threshold` (or, with `rows`, when the query returns any row).
var rules = [
  {
    key: 'parse-lag'
    description: 'Parse lag: more unparsed hits than the threshold (the etl timer is behind or failing).'
    severity: 2
    window: 'PT15M'
    frequency: 'PT5M'
    threshold: parseLagAlertThreshold
    query: 'customMetrics | where name == "smartpixl.etl.parseLag" | summarize value = max(value)'
  }
  {
    key: 'poison-queue'
    description: 'The poison queue is not empty: a hit message failed every try (inspect pixel-hits-poison).'
    severity: 1
    window: 'PT15M'
    frequency: 'PT5M'
    threshold: 0
    query: 'customMetrics | where name in ("smartpixl.queue.poisonMessages", "smartpixl.writer.poisoned") | summarize value = max(value)'
  }
  {
    key: 'etl-failures'
    description: 'ETL pass failed (the etl timer threw).'
    severity: 1
    window: 'PT15M'
    frequency: 'PT5M'
    threshold: 0
    query: 'customMetrics | where name == "smartpixl.etl.failed" | summarize value = sum(valueSum)'
  }
  {
    key: 'etl-silent'
    description: 'No ETL pass has recorded the pipeline levels for 15 minutes: the etl timer is not firing, or its runs are killed (functionTimeout) before they end.'
    severity: 1
    window: 'PT15M'
    frequency: 'PT5M'
    threshold: 0
    query: 'let passes = toscalar(customMetrics | where name == "smartpixl.etl.parseLag" | count); print value = iff(passes == 0, 1, 0)'
  }
  {
    key: 'ranges-refresh-failed'
    description: 'Datacenter ranges: a refresh run failed as a whole (the timer does not retry; the next run is tomorrow).'
    severity: 3
    window: 'P1D'
    frequency: 'PT6H'
    threshold: 0
    query: 'customMetrics | where name == "smartpixl.ranges.error" | summarize value = sum(valueSum)'
  }
  {
    key: 'ranges-provider-failing'
    description: 'Datacenter ranges: a provider has failed every refresh for 2 days (its old ranges stay in use).'
    severity: 3
    window: 'P2D'
    frequency: 'PT6H'
    threshold: 0
    query: 'customMetrics | where name == "smartpixl.ranges.refresh" | extend provider = tostring(customDimensions.provider), ok = tostring(customDimensions.ok) | summarize good = countif(ok == "true"), bad = countif(ok == "false") by provider | where good == 0 and bad > 0 | summarize value = count()'
  }
  {
    key: 'pixel-5xx'
    description: 'Pixel 5xx rate above 1 % (the host failed the request: the pixel itself always answers the GIF).'
    severity: 1
    window: 'PT15M'
    frequency: 'PT5M'
    threshold: 1
    // host.json logs only failed requests (Host.Results: Error), so the answered hits come from the metrics.
    query: 'let errors = toscalar(requests | where operation_Name in ("pixel", "pixel-api") and toint(resultCode) >= 500 | summarize coalesce(sum(itemCount), 0)); let answered = toscalar(customMetrics | where name in ("smartpixl.pixel.accepted", "smartpixl.pixel.lost", "smartpixl.pixel.failed") or name startswith "smartpixl.pixel.dropped" | summarize coalesce(sum(valueSum), 0.0)); print value = iff(errors + answered == 0, 0.0, 100.0 * errors / (errors + answered))'
  }
  {
    key: 'hits-lost'
    description: 'Hits dropped or spilled: the primary queue did not accept them in time (lost, failed, sent to the secondary queue, or spilled to the durable store).'
    severity: 1
    window: 'PT15M'
    frequency: 'PT5M'
    threshold: 0
    query: 'customMetrics | where name in ("smartpixl.pixel.lost", "smartpixl.pixel.failed", "smartpixl.enqueue.failedHits", "smartpixl.enqueue.secondaryHits", "smartpixl.spill.spilledHits") | summarize value = sum(valueSum)'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: 'alert-${name}-${rule.key}'
    location: location
    properties: {
      displayName: 'SmartPiXL ${rule.key}'
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [ appInsights.id ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Maximum'
            metricMeasureColumn: 'value'
            operator: 'GreaterThan'
            threshold: rule.threshold
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      autoMitigate: true
      actions: { actionGroups: empty(alertEmail) ? [] : [ actionGroup.id ] }
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(appInsights.id, 'smartpixl-workbook')
  location: location
  kind: 'shared'
  properties: {
    displayName: 'SmartPiXL operations'
    category: 'workbook'
    sourceId: appInsights.id
    serializedData: loadTextContent('workbook.json')
  }
}

output workbookId string = workbook.id
