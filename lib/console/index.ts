export { runConsole } from "./component.ts";
