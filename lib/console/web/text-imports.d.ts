// The stylesheet and icon are imported as text (`with { type: "text" }`) and embedded in the executable.
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*.svg" {
  const text: string;
  export default text;
}
