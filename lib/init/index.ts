export { READY_LINE, runInit } from "./main.ts";
