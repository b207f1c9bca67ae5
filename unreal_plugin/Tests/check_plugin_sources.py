"""Reads the plugin's Unreal sources and checks what can be checked without Unreal.

Unreal cannot be built on this machine, so this is no compile: it catches the mistakes that
reading can catch. Module names agree between the .uplugin, the folders, the Build.cs files and
IMPLEMENT_MODULE; every reflected type has its .generated.h include (last) and GENERATED_BODY;
API macros name their own module; braces, parentheses and preprocessor blocks balance; every
plugin header a file includes exists, is public when included from another module, and belongs
to a module the includer depends on (Build.cs dependencies); each .cpp includes its own header
first; the engine-free core (Ftalk*) includes no Unreal header.

Usage: python check_plugin_sources.py PLUGIN_DIR   (exit 1 and one line per problem on failure)
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

PLUGIN_PREFIXES = ("FantasyTalking", "Ftalk", "AnimNode_ApplyFantasyTalking", "AnimGraphNode_ApplyFantasyTalking")
# Engine headers the plugin uses and the module that owns each: an include must be matched by a
# dependency in the includer's Build.cs (directly or through a public dependency).
ENGINE_HEADERS = {
    "AnimGraphNode_Base.h": "AnimGraph",
    "AssetRegistry/AssetRegistryModule.h": "AssetRegistry",
    "AudioCaptureCore.h": "AudioCaptureCore",
    "ContentBrowserMenuContexts.h": "ContentBrowser",
    "Engine/DeveloperSettings.h": "DeveloperSettings",
    "Framework/Notifications/NotificationManager.h": "Slate",
    "ILiveLinkClient.h": "LiveLinkInterface",
    "ILiveLinkSource.h": "LiveLinkInterface",
    "Interfaces/IPluginManager.h": "Projects",
    "Kismet2/CompilerResultsLog.h": "UnrealEd",
    "LiveLinkRetargetAsset.h": "LiveLinkInterface",
    "LiveLinkSourceFactory.h": "LiveLinkInterface",
    "LiveLinkTypes.h": "LiveLinkInterface",
    "Roles/LiveLinkAnimationRole.h": "LiveLinkInterface",
    "Roles/LiveLinkAnimationTypes.h": "LiveLinkInterface",
    "Roles/LiveLinkBasicRole.h": "LiveLinkInterface",
    "ToolMenus.h": "ToolMenus",
    "Widgets/Notifications/SNotificationList.h": "Slate",
    "glTFRuntimeAsset.h": "glTFRuntime",
    "glTFRuntimeFunctionLibrary.h": "glTFRuntime",
}
STD_HEADERS = {
    "algorithm", "atomic", "cctype", "cmath", "cstddef", "cstdint", "cstdio", "cstdlib", "cstring", "functional",
    "memory", "string", "string_view", "utility", "vector",
}


def strip_code(text: str) -> str:
    """The text with comments, string and character literals blanked (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(" " * (min(j + 1, n) - i))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def build_cs_modules(text: str, kind: str) -> list[str]:
    names = []
    for match in re.finditer(kind + r"DependencyModuleNames\.(?:AddRange\(new string\[\]\s*\{([^}]*)\}|Add\(\s*\"([^\"]+)\"\s*\))", text):
        if match.group(1) is not None:
            names += re.findall(r"\"([^\"]+)\"", match.group(1))
        else:
            names.append(match.group(2))
    return names


class Checker:
    def __init__(self, plugin: Path):
        self.plugin = plugin
        self.source = plugin / "Source"
        self.problems: list[str] = []
        self.modules: dict[str, Path] = {}
        self.public_deps: dict[str, list[str]] = {}
        self.private_deps: dict[str, list[str]] = {}
        self.headers: dict[str, Path] = {}
        self.conditional: dict[str, set[str]] = {}

    def fail(self, path: Path | str, message: str) -> None:
        where = path.relative_to(self.plugin) if isinstance(path, Path) else path
        self.problems.append(f"{where}: {message}")

    def module_of(self, path: Path) -> str | None:
        for name, folder in self.modules.items():
            if folder in path.parents:
                return name
        return None

    def check_modules(self) -> None:
        for build in sorted(self.source.rglob("*.Build.cs")):
            name = build.name[: -len(".Build.cs")]
            text = build.read_text(encoding="utf-8")
            if build.parent.name != name:
                self.fail(build, f"module {name} is not in a folder of its name")
            if not re.search(rf"public class {name}\s*:\s*ModuleRules", text):
                self.fail(build, f"no 'public class {name} : ModuleRules'")
            if not re.search(rf"public {name}\(ReadOnlyTargetRules Target\) : base\(Target\)", text):
                self.fail(build, "no constructor taking ReadOnlyTargetRules")
            self.modules[name] = build.parent
            self.public_deps[name] = build_cs_modules(text, "Public")
            self.private_deps[name] = build_cs_modules(text, "Private")
            # Dependencies added only when an optional plugin is present: PrivateDependencyModuleNames.Add("X") inside an if.
            self.conditional[name] = set(re.findall(r"if \(\w+\)\s*\{\s*PrivateDependencyModuleNames\.Add\(\"([^\"]+)\"\)", text))

        descriptor = json.loads((self.plugin / "FantasyTalking.uplugin").read_text(encoding="utf-8"))
        listed = {module["Name"] for module in descriptor["Modules"]}
        for module in descriptor["Modules"]:
            if module["Name"] not in self.modules:
                self.fail("FantasyTalking.uplugin", f"module {module['Name']} has no Build.cs")
            if module.get("Type") not in {"Runtime", "Editor", "UncookedOnly", "Developer"}:
                self.fail("FantasyTalking.uplugin", f"module {module['Name']} has type {module.get('Type')}")
        for name, folder in self.modules.items():
            external = "ModuleType.External" in (folder / f"{name}.Build.cs").read_text(encoding="utf-8")
            if not external and name not in listed:
                self.fail(folder, f"module {name} is not listed in FantasyTalking.uplugin")
            for dep in self.public_deps[name] + self.private_deps[name]:
                if dep.startswith("FantasyTalking") and dep not in self.modules:
                    self.fail(folder / f"{name}.Build.cs", f"depends on unknown plugin module {dep}")
            if external:
                continue
            implements = []
            for cpp in folder.rglob("*.cpp"):
                implements += re.findall(r"IMPLEMENT_MODULE\(\s*\w+\s*,\s*(\w+)\s*\)", cpp.read_text(encoding="utf-8"))
            if implements != [name]:
                self.fail(folder, f"IMPLEMENT_MODULE for {name} found {implements}")

    def visible_modules(self, name: str) -> set[str]:
        """The module, its direct dependencies, and the public dependencies reachable from those."""
        seen = {name}
        stack = list(self.public_deps.get(name, [])) + list(self.private_deps.get(name, []))
        while stack:
            dep = stack.pop()
            if dep not in seen:
                seen.add(dep)
                stack += self.public_deps.get(dep, [])
        return seen

    def check_file(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        code = strip_code(text)
        module = self.module_of(path)

        for open_char, close_char in ("{}", "()", "[]"):
            if code.count(open_char) != code.count(close_char):
                self.fail(path, f"unbalanced {open_char}{close_char}: {code.count(open_char)} vs {code.count(close_char)}")
        depth = 0
        for line in code.splitlines():
            directive = line.strip()
            if re.match(r"#\s*if", directive):
                depth += 1
            elif re.match(r"#\s*endif", directive):
                depth -= 1
                if depth < 0:
                    self.fail(path, "#endif without #if")
        if depth != 0:
            self.fail(path, f"{depth} #if block(s) not closed")
        if code.count("#define LOCTEXT_NAMESPACE") != code.count("#undef LOCTEXT_NAMESPACE"):
            self.fail(path, "LOCTEXT_NAMESPACE defined and undefined a different number of times")
        if path.suffix == ".h" and "#pragma once" not in text:
            self.fail(path, "no #pragma once")

        includes = re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M)
        angle_includes = re.findall(r"^\s*#\s*include\s+<([^>]+)>", text, re.M)

        if path.name.startswith("Ftalk"):
            for include in includes:
                if not (include.startswith("Ftalk") or include == "ftalk_client.h"):
                    self.fail(path, f"the engine-free core includes \"{include}\"")
            for include in angle_includes:
                if include not in STD_HEADERS:
                    self.fail(path, f"the engine-free core includes <{include}>")

        reflected = len(re.findall(r"^\s*(UCLASS|USTRUCT|UENUM|UINTERFACE)\s*\(", code, re.M))
        bodies = len(re.findall(r"GENERATED_(?:UCLASS_)?BODY\s*\(\s*\)", code))
        classes_and_structs = len(re.findall(r"^\s*(UCLASS|USTRUCT|UINTERFACE)\s*\(", code, re.M))
        generated = f"{path.stem}.generated.h"
        if reflected:
            if path.suffix != ".h":
                self.fail(path, "reflected types belong in headers")
            elif not includes or includes[-1] != generated:
                self.fail(path, f"the last #include must be \"{generated}\"")
            if bodies != classes_and_structs:
                self.fail(path, f"{classes_and_structs} UCLASS/USTRUCT but {bodies} GENERATED_BODY")
        elif generated in includes:
            self.fail(path, f"includes {generated} but declares no reflected type")

        if module:
            for macro in set(re.findall(r"\b([A-Z0-9]+)_API\b", code)):
                if macro not in {module.upper(), "FTALK", "FTALKCORE", "UE"} and not (path.name.startswith("Ftalk") and macro == "FANTASYTALKINGCORE"):
                    self.fail(path, f"uses {macro}_API in module {module}")

        for include in includes:
            if not include.startswith(PLUGIN_PREFIXES) or include.endswith(".generated.h"):
                continue
            header = self.headers.get(Path(include).name)
            if header is None:
                self.fail(path, f"includes \"{include}\", which is not in the plugin")
                continue
            owner = self.module_of(header)
            if module and owner and owner != module:
                if "Private" in header.relative_to(self.modules[owner]).parts:
                    self.fail(path, f"includes {include} from {owner}'s Private folder")
                if owner not in self.visible_modules(module):
                    self.fail(path, f"includes {include} from {owner}, which {module}.Build.cs does not depend on")

        for include in includes:
            owner = ENGINE_HEADERS.get(include)
            if module and owner and owner not in self.visible_modules(module) and owner not in self.conditional.get(module, set()):
                self.fail(path, f"includes {include} from {owner}, which {module}.Build.cs does not depend on")

        if path.suffix == ".cpp" and module and not path.name.startswith("Ftalk"):
            own_header = f"{path.stem}.h"
            if own_header in self.headers and includes and includes[0] != own_header:
                self.fail(path, f"the first #include should be its own header {own_header}")

    def run(self) -> int:
        self.check_modules()
        files = sorted(p for p in self.source.rglob("*") if p.suffix in {".h", ".cpp"} and "ThirdParty" not in p.parts)
        self.headers = {p.name: p for p in files if p.suffix == ".h"}
        for path in files:
            self.check_file(path)
        for problem in self.problems:
            print(problem)
        print(f"{len(files)} source files in {len(self.modules)} modules checked: "
              f"{'no problems' if not self.problems else f'{len(self.problems)} problem(s)'}")
        return 1 if self.problems else 0


if __name__ == "__main__":
    sys.exit(Checker(Path(sys.argv[1]).resolve()).run())
