export { gatewayComponent } from "./component.ts";
