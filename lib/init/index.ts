export { initComponent } from "./component.ts";
