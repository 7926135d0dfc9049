// What ecs-dispatch.ts loads with `import()` on its first RunTask; through this file for
// the reason given in ssm-sdk.ts (a deferred `require` in the bundle, not an ESM import).
export { ECSClient, RunTaskCommand } from "@aws-sdk/client-ecs";
