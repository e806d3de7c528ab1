// Asking a service with replicas: the one that answered last first, the next on a dropped
// connection, a timeout or a 5xx, and a 4xx taken as the answer it is.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchFromReplicas, NoReplicaAnswered } from "./replicas.ts";

const asked: string[] = [];
let behaviour: Record<string, "ok" | "500" | "400" | "hang"> = {};
const servers: Server[] = [];
const bases: string[] = [];

beforeAll(async () => {
  for (const name of ["a", "b", "c"]) {
    const server = createServer((req, res) => {
      asked.push(name);
      const how = behaviour[name] ?? "ok";
      if (how === "hang") return;
      res.writeHead(how === "ok" ? 200 : Number(how)).end(name);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push(server);
    bases.push(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  }
});

afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
});

const ask = async (list = bases) => {
  asked.length = 0;
  const res = await fetchFromReplicas(list, "/api/v1/query", { timeoutMs: 300 });
  return { status: res.status, from: await res.text(), asked: [...asked] };
};

describe("a request to a service with replicas", () => {
  it("goes to the first, then on past a 5xx and a hang, and next time to the one that answered", async () => {
    expect(await ask()).toEqual({ status: 200, from: "a", asked: ["a"] });
    behaviour = { a: "500", b: "hang" };
    expect(await ask()).toEqual({ status: 200, from: "c", asked: ["a", "b", "c"] });
    behaviour = {};
    expect(await ask()).toEqual({ status: 200, from: "c", asked: ["c"] });
  });

  it("takes a 4xx as the answer, and a dead replica is passed over", async () => {
    behaviour = { c: "400" };
    expect(await ask()).toEqual({ status: 400, from: "c", asked: ["c"] });
    const dead = "http://127.0.0.1:9"; // the discard port: nothing listens
    behaviour = {};
    expect((await ask([dead, bases[1]])).from).toBe("b");
  });

  it("says which replica failed last, and how, when none answers", async () => {
    behaviour = { a: "hang", b: "500" };
    const failure = await fetchFromReplicas(bases.slice(0, 1), "/", { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NoReplicaAnswered);
    expect((failure as Error).message).toMatch(/127\.0\.0\.1:\d+: TimeoutError/);
    // The last one's 5xx is its answer: passed on, not thrown.
    behaviour = { a: "500", b: "500" };
    expect((await ask(bases.slice(0, 2))).status).toBe(500);
  });
});
