export { memoryComponent } from "./component.ts";
