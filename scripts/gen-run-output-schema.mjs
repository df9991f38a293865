// Writes schemas/run-output.schema.json from the zod schemas (run by `npm run schemas`, after the build).
import { writeFileSync } from "node:fs";
import { runOutputJsonSchema } from "../dist/ts/scenario/output-schema.js";

writeFileSync(new URL("../schemas/run-output.schema.json", import.meta.url), JSON.stringify(runOutputJsonSchema(), null, 2) + "\n");
