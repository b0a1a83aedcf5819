// The playground: `npm run dev` serves playground/ with the plugin from src/.
import { defineConfig } from "vite";
import crate from "./src/index.ts";

export default defineConfig({
  root: "playground",
  plugins: [crate()],
});
