import { CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { METRIC_NAMESPACE } from '../runtime/aws/metering-metrics.ts';

interface AlarmOptions {
  /** alarm above this (default 0: any occurrence) */
  threshold?: number;
  /** at or above `threshold` instead of strictly above */
  atLeast?: boolean;
  evaluationPeriods?: number;
  /** a metric that stops coming is itself the failure (a schedule that stopped running) */
  breachWhenMissing?: boolean;
}

/** One alarm, with the platform's defaults: alarm on any occurrence, one period, silence is fine. */
export function alarm(scope: Construct, id: string, description: string, metric: IMetric, o: AlarmOptions = {}): Alarm {
  return new Alarm(scope, id, {
    alarmDescription: description,
    metric,
    threshold: o.threshold ?? 0,
    comparisonOperator: o.atLeast ? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD : ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: o.evaluationPeriods ?? 1,
    treatMissingData: o.breachWhenMissing ? TreatMissingData.BREACHING : TreatMissingData.NOT_BREACHING,
  });
}

const FIVE_MINUTES = Duration.minutes(5);

export function errorsAlarm(scope: Construct, id: string, description: string, fn: IFunction, o: AlarmOptions = {}): Alarm {
  return alarm(scope, id, description, fn.metricErrors({ period: FIVE_MINUTES }), o);
}

/**
 * Every alarm of the stack tells one SNS topic (an alarm nobody hears is none: a dead-letter queue
 * filling or a failed close would go unnoticed). `-c alarmEmail=ops@example.com` subscribes an
 * address; any other subscription is the operator's (the `AlarmTopicArn` output). Call it last.
 */
export function alarmTopic(stack: Stack, email: string | undefined): Topic {
  const topic = new Topic(stack, 'Alarms', { displayName: 'Faascape alarms', enforceSSL: true });
  Validations.of(topic).acknowledge({ id: 'AwsSolutions-SNS2', reason: 'CloudWatch alarms cannot publish to a topic under the AWS-managed key; alarm messages carry no client or money data.' });
  if (email) topic.addSubscription(new EmailSubscription(email));
  const action = new SnsAction(topic);
  for (const c of stack.node.findAll()) if (c instanceof Alarm) c.addAlarmAction(action);
  new CfnOutput(stack, 'AlarmTopicArn', { value: topic.topicArn, description: 'Every alarm of the stack notifies this SNS topic' });
  return topic;
}

/**
 * The aggregator's runs counted by Lambda itself (AWS/Lambda, a namespace nothing else can write
 * to): fewer than one in 15 minutes, or none at all, is an aggregator that stopped. The lag
 * metric below is an embedded-metric log line, and CloudWatch reads those from any function's
 * log, a feature's too: a feature could keep it at 0 (found by review). This one it cannot.
 */
export function aggregatorRunningAlarm(scope: Construct, aggregator: IFunction): Alarm {
  return new Alarm(scope, 'AggregatorNotRunning', {
    alarmDescription: 'The aggregator Lambda has not run for 15 minutes: usage pages, quality signals and the monthly close fall behind',
    metric: aggregator.metricInvocations({ period: Duration.minutes(15), statistic: 'Sum' }),
    threshold: 1,
    comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: TreatMissingData.BREACHING,
  });
}

/**
 * The meter's own alarms: records waiting too long to be aggregated (or no aggregator run at all:
 * a missing metric breaches), and an item the aggregator could not read.
 */
export function meteringAlarms(scope: Construct): void {
  alarm(
    scope,
    'AggregationLagging',
    'Usage records wait more than 15 minutes to reach the aggregates (usage pages, quality signals and the monthly close lag; limits do not: they are leased from the limits table)',
    new Metric({ namespace: METRIC_NAMESPACE, metricName: 'AggregationLagSeconds', statistic: 'Maximum', period: FIVE_MINUTES }),
    { threshold: 900, evaluationPeriods: 2, breachWhenMissing: true },
  );
  alarm(
    scope,
    'LimitStoreUnreachable',
    'Gateways cannot reach the limits table: clients with a quota or a spend cap get 503 limits_unavailable once their slices are spent',
    new Metric({ namespace: METRIC_NAMESPACE, metricName: 'LimitStoreUnreachable', statistic: 'Sum', period: FIVE_MINUTES }),
  );
  alarm(
    scope,
    'UnreadableUsageItems',
    'The aggregator skipped usage items it could not read: they are in its log, whole, for a person',
    new Metric({ namespace: METRIC_NAMESPACE, metricName: 'UnreadableUsageItems', statistic: 'Sum', period: FIVE_MINUTES }),
  );
}

export function throttleAlarms(scope: Construct, tables: Record<string, TableV2>): void {
  for (const [tid, table] of Object.entries(tables)) {
    alarm(
      scope,
      `Throttles-${tid}`,
      `DynamoDB is throttling the ${tid} table`,
      new Metric({ namespace: 'AWS/DynamoDB', metricName: 'ThrottledRequests', dimensionsMap: { TableName: table.tableName }, statistic: 'Sum', period: FIVE_MINUTES }),
    );
  }
}
