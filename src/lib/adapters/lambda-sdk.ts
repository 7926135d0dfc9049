// What lambda-dispatch.ts loads with `import()` on its first dispatch; through this file
// for the reason given in ssm-sdk.ts (a deferred `require` in the bundle, not an ESM import).
export { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
