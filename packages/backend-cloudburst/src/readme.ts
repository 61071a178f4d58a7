import type { Program } from '@stateflow/ir';
import type { CloudburstConfig } from './config.js';

/** The artifact's README: what is in it, how to run it locally and register it on a cluster. */
export function artifactReadme(program: Program, config: CloudburstConfig): string {
  const entities = program.entities.map((e) => `\`${e.name}\``).join(', ');
  return `# ${config.name} on Cloudburst

Built by \`stateflow build --target cloudburst\` from module \`${program.module.name}\` (entities: ${entities}).

- \`function/\`: put this folder on the \`PYTHONPATH\` of every Cloudburst executor (it holds
  \`stateflow_cloudburst\` and the StateFlow kernel; Python 3.7 or newer, no other packages).
- \`function/stateflow_cloudburst/register.py\`: registers the function \`${config.name}\` (the class
  \`StateflowFunction\` with the program as its init argument) and a one-function DAG of the same name:

  \`\`\`sh
  cd function && python -m stateflow_cloudburst.register --address <scheduler or ELB> --ip <this host>
  \`\`\`

- Calls: \`call_dag("${config.name}", {"${config.name}": [<request event as JSON text>]}, direct_response=True)\`
  answers the \`Response\` event as JSON text. \`python -m stateflow_cloudburst.gateway --port 9310 --dag ${config.name}\`
  serves the same as the AWS Lambda Invoke API, which \`@stateflow/client/lambda\` and \`stateflow run\` use.
- State: Anna keys \`${config.name}|e|<Entity>|<key>\` (the IR's JSON encoding as text) and
  \`${config.name}|r|<requestId>\` (answers, for retries with the same request id).

Locally: \`stateflow run <app.py> --target cloudburst\` (needs \`tools/engines/cloudburst/build.sh\`).
Concurrency: one executor thread runs calls one at a time (no lost update); with several
executors, Anna's last-writer-wins merge can lose an update of one instance changed by two
calls at once. See the Cloudburst guide of the StateFlow docs.
`;
}
