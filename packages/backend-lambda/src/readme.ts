import type { Program } from '@stateflow/ir';
import type { LambdaConfig } from './config.js';

/** The README written next to a built deployment. */
export function artifactReadme(program: Program, config: LambdaConfig): string {
  return `# ${program.module.name} on AWS Lambda

Built by \`stateflow build --target lambda\`. Entities: ${program.entities.map((e) => `\`${e.name}\``).join(', ')}.

| file | what |
| --- | --- |
| \`function/\` | the function's code: \`handler.handler\`, the StateFlow kernel, \`program.ir.json\` (needs only boto3, part of Lambda's Python runtime) |
| \`template.json\` | AWS SAM template: the function, the DynamoDB table (\`pk\` string key, on-demand, time to live on \`ttl\`), its IAM policy (GetItem, PutItem, ConditionCheckItem on the table only)${config.httpApi ? ', an HTTP API (`POST /invoke`)' : ''} |
| \`stateflow-lambda.json\` | the build settings |

## Deploy

\`\`\`sh
sam deploy --template-file template.json --stack-name ${config.name} --resolve-s3 \\
  --capabilities CAPABILITY_IAM --region <your region> \\
  --parameter-overrides FunctionName=${config.name} TableName=${config.name}-state
\`\`\`

Credentials come from the usual AWS sources (environment, profile, SSO). Call it with
\`@stateflow/client\`: \`lambdaTransport({ functionName: '${config.name}', region })\`.

## Run locally

\`stateflow run app.py --target lambda\` starts ${config.emulators} Lambda runtime interface
emulators behind a dispatcher on 127.0.0.1:${config.invokePort} (the Lambda Invoke API) and a
DynamoDB-compatible store on 127.0.0.1:${config.storePort} (stateflow engine setup lambda
installs them).

## How a call runs

One invocation runs the request's whole call chain with the kernel, reading each
instance once, then commits every changed state and the request's answer in one
DynamoDB transaction conditioned on the versions read and on no answer existing yet; on
a conflict it runs again. A retry with the same request id returns the committed answer.
`;
}
