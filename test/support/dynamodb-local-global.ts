import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "./dynamodb-local.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** The conformance run's one DynamoDB Local (vitest.conformance.config.ts). */
    dynamodbLocalEndpoint: string;
  }
}

/**
 * Conformance runs start one DynamoDB Local for all their files: a JVM start costs seconds
 * of CPU, and every test makes its own table on it anyway (test/support/store.ts).
 */
export default async function startSharedDynamoDbLocal(project: TestProject) {
  const server = await startDynamoDbLocal();
  project.provide("dynamodbLocalEndpoint", server.endpoint);
  return () => server.close();
}
