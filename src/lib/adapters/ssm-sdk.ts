// What ssm-secret.ts (and the task's SSM readers) load with `import()` on its first read. Through this file, not the
// package, so that esbuild bundles the import as a deferred `require` of the runtime's
// SDK: a bare `import()` of an external package stays an ESM import in the CommonJS
// bundle, and ESM resolution ignores the NODE_PATH through which Lambda provides the SDK.
export {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
