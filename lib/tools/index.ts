export { toolsComponent } from "./component.ts";
