import type { Program } from '@stateflow/ir';
import type { LambdaConfig } from './config.js';

/**
 * The AWS SAM template of one deployment (CloudFormation with the Serverless
 * transform), as a JSON object: the function, its table, least-privilege IAM, an
 * optional HTTP API. Names come from parameters (defaults from the build settings) and
 * the region is the stack's own (`AWS::Region`): nothing account- or region-specific is
 * written into it.
 */
export function samTemplate(program: Program, config: LambdaConfig): { [key: string]: unknown } {
  const tableArn = { 'Fn::GetAtt': ['StateTable', 'Arn'] };
  const resources: { [name: string]: unknown } = {
    StateTable: {
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        TableName: { Ref: 'TableName' },
        BillingMode: 'PAY_PER_REQUEST',
        // One string partition key: e|<Entity>|<key> for instances, r|<requestId> for answers.
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        // Answers (the dedupe records) expire; instances have no ttl attribute.
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    },
    StateFunction: {
      Type: 'AWS::Serverless::Function',
      Properties: {
        FunctionName: { Ref: 'FunctionName' },
        CodeUri: 'function/',
        Handler: 'handler.handler',
        Runtime: 'python3.12',
        Architectures: ['arm64'],
        MemorySize: { Ref: 'MemorySize' },
        Timeout: { Ref: 'TimeoutSeconds' },
        Environment: {
          Variables: {
            STATEFLOW_TABLE: { Ref: 'StateTable' },
            STATEFLOW_MAX_HOPS: String(config.maxHops),
            STATEFLOW_DEDUP_TTL_SECONDS: String(config.dedupTtlSeconds),
          },
        },
        // Least privilege: the four calls the handler makes, on this table only.
        Policies: [
          {
            Statement: [
              {
                Effect: 'Allow',
                Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
                Resource: tableArn,
              },
              // TransactWriteItems is authorized per action above; the call itself needs no resource grant.
            ],
          },
        ],
        ...(config.httpApi ? { Events: { Api: { Type: 'HttpApi', Properties: { Path: '/invoke', Method: 'POST' } } } } : {}),
      },
    },
  };
  const outputs: { [name: string]: unknown } = {
    FunctionName: { Description: 'Invoke this function with @stateflow/client/lambda', Value: { Ref: 'StateFunction' } },
    FunctionArn: { Value: { 'Fn::GetAtt': ['StateFunction', 'Arn'] } },
    TableName: { Value: { Ref: 'StateTable' } },
    Region: { Value: { Ref: 'AWS::Region' } },
  };
  if (config.httpApi) {
    outputs['HttpApiUrl'] = {
      Description: 'POST a request event to <url>/invoke',
      Value: { 'Fn::Sub': 'https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/invoke' },
    };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::Serverless-2016-10-31',
    Description: `StateFlow program ${program.module.name}: one Lambda function running every entity (${program.entities.map((e) => e.name).join(', ')}), state in DynamoDB`,
    Parameters: {
      FunctionName: { Type: 'String', Default: config.name, AllowedPattern: '[A-Za-z0-9-_]{1,64}', Description: 'Name of the Lambda function' },
      TableName: { Type: 'String', Default: `${config.name}-state`, AllowedPattern: '[A-Za-z0-9_.-]{3,255}', Description: 'Name of the DynamoDB table' },
      MemorySize: { Type: 'Number', Default: config.memorySize, MinValue: 128, MaxValue: 10240 },
      TimeoutSeconds: { Type: 'Number', Default: config.timeoutSeconds, MinValue: 1, MaxValue: 900 },
    },
    Resources: resources,
    Outputs: outputs,
  };
}
