export { orchestratorComponent } from "./component.ts";
