// Evaluates recorded AWS requests against an IAM policy with @cloud-copilot/iam-simulate.
//
//   node tools/iam-check/check.mjs REQUESTS.json
//
// REQUESTS.json: { "policy": <policy document>, "account": "123456789012",
//   "requests": [ { "action", "resource", "context": {...}, "expect": "Allowed" | "Denied",
//                   "call": "what rnd did" } ] }
// Prints one JSON line per request whose decision differs from "expect" (or that the simulator
// refuses as invalid: an unknown action, a resource ARN of the wrong type, a context key that
// does not apply), and exits 1 if there is any.
import { readFileSync } from 'node:fs'
import { runSimulation } from '@cloud-copilot/iam-simulate'

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'))
let failures = 0
for (const request of input.requests) {
  const response = await runSimulation(
    {
      identityPolicies: [{ name: 'rnd', policy: input.policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action: request.action,
        principal: `arn:aws:iam::${input.account}:role/deployer`,
        resource: { accountId: input.account, resource: request.resource },
        contextVariables: request.context ?? {}
      }
    },
    {}
  )
  let decision
  if (response.resultType === 'error') {
    decision = { error: response.errors }
  } else {
    decision = response.overallResult === 'Allowed' ? 'Allowed' : 'Denied'
  }
  if (decision !== request.expect) {
    failures += 1
    console.log(JSON.stringify({ ...request, decision }))
  }
}
console.error(`iam-check: ${input.requests.length} requests, ${failures} not as expected`)
process.exit(failures === 0 ? 0 : 1)
