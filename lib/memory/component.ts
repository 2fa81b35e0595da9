/**
 * @module lib/memory/component
 * aios-memory as a process: the operational ring, the working and long-term tiers in
 * STATE_DIR/memory/memory.db, the vector backend chosen in config, the embedder, compaction at
 * start and every compaction_interval_ms, and the Memory service on RUN_DIR/memory.sock.
 */
import { join } from "node:path";
import { ConfigError, rooted, socketPath } from "../config/index.ts";
import { Severity } from "../rpc/gen/aios/v1/common.ts";
import type { ComponentSpec } from "../rpc/index.ts";
import { compact } from "./compaction.ts";
import { openMemoryDatabase } from "./db.ts";
import { Embeddings } from "./embeddings.ts";
import { EventRing } from "./ring.ts";
import { eventMemory, memoryService } from "./service.ts";
import { MemoryStore } from "./store.ts";
import { TokenCounter } from "./tokens.ts";
import { newId } from "./types.ts";
import type { VectorIndex } from "./vector/index.ts";
import { LanceDbIndex } from "./vector/lancedb.ts";
import { SqliteVecIndex } from "./vector/sqlite-vec.ts";

const DAY_MS = 86_400_000;

export const memoryComponent: ComponentSpec = {
  name: "memory",
  summary: "what AIOS has seen, done and learned",
  services: async ({ config, root, log, onStop }) => {
    const settings = config.memory;
    const directory = rooted(root, join(config.paths.state_dir, "memory"));
    const databasePath = join(directory, "memory.db");
    const problems: string[] = [];
    const opened = openMemoryDatabase(databasePath);
    if (opened.problem) problems.push(opened.problem);
    const db = opened.db;

    let index: VectorIndex;
    if (settings.vector_backend === "lancedb") {
      let lance: Awaited<ReturnType<typeof LanceDbIndex.open>>;
      try {
        lance = await LanceDbIndex.open(db, join(directory, "lancedb"), log);
      } catch (error) {
        throw new ConfigError("memory.vector_backend", [(error as Error).message]);
      }
      index = lance.index;
      if (lance.problem) problems.push(lance.problem);
    } else {
      try {
        index = new SqliteVecIndex(db);
      } catch (error) {
        throw new ConfigError("memory.vector_backend", [(error as Error).message]);
      }
    }

    const store = new MemoryStore(db, index, databasePath);
    const ring = new EventRing(settings.operational_capacity, settings.operational_max_age_ms);
    const gatewaySocket = socketPath(config, root, "gateway");
    const embeddings = new Embeddings({
      mode: settings.embedder,
      hashingDimensions: settings.hashing_dimensions,
      gatewaySocket,
      gatewayModel: settings.embedding_model,
      store,
      log,
      timeoutMs: config.rpc.call_timeout_ms,
    });
    await embeddings.start();
    // Vectors a previous run staged but LanceDB never received.
    await index.flush();

    // A damaged database is news a person must see: an error event in the (new) working tier.
    for (const problem of problems) {
      log.error("memory storage was damaged", { problem });
      const event = {
        id: newId("evt"),
        time: Date.now(),
        source: "aios-memory",
        type: "memory.corrupt",
        severity: Severity.SEVERITY_ERROR,
        message: problem,
        data: {},
        goalId: "",
        taskId: "",
        security: false,
      };
      store.insert([{ memory: eventMemory(event), vector: null }], { merge: false });
      ring.push(event);
    }

    const runCompaction = () => {
      try {
        const result = compact(store, settings.working_retention_days * DAY_MS);
        if (result.dropped > 0) {
          log.info("compaction dropped expired working-tier memories", { dropped: result.dropped, summaries: result.summaries.length });
          embeddings.kick();
        }
      } catch (error) {
        log.error("compaction failed; it runs again at the next interval", { error: (error as Error).message });
      }
    };
    runCompaction();
    const timer = setInterval(runCompaction, settings.compaction_interval_ms);

    log.info("memory ready", { backend: index.name, embedder: embeddings.current?.name ?? "(waiting for the gateway)", database: databasePath });
    onStop(async () => {
      clearInterval(timer);
      await embeddings.stop();
      await index.close();
      db.close();
    });
    return [memoryService({ store, ring, embeddings, counter: new TokenCounter(gatewaySocket, config.rpc.call_timeout_ms), maxContentBytes: settings.max_content_bytes, log })];
  },
};
