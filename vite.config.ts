// The playground: `npm run dev` serves playground/ with the plugin from src/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import crate from "./src/index.ts";

export default defineConfig({
  root: fileURLToPath(new URL("./playground", import.meta.url)),
  plugins: [crate()],
});
