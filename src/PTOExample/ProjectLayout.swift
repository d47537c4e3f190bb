import Foundation

/// Where the project is and where an example folder is.
public struct ProjectLayout: Sendable {
    public var root: String

    public init(root: String) { self.root = root }

    /// The root found above `start` (default: this executable's folder),
    /// recognised by its Makefile and runtime/ folder.
    public static func locate(from start: String? = nil) throws(RunnerError) -> ProjectLayout {
        let origin =
            start
            ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().path
        var dir = URL(fileURLWithPath: origin).standardizedFileURL
        while true {
            let fm = FileManager.default
            if fm.fileExists(atPath: dir.appendingPathComponent("Makefile").path),
                fm.fileExists(atPath: dir.appendingPathComponent("runtime").path)
            {
                return ProjectLayout(root: dir.path)
            }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { throw .projectRootNotFound(searchedFrom: origin) }
            dir = parent
        }
    }

    /// Resolves an example argument: a path to a folder, or a name under
    /// kernels/. Checks the files every example needs.
    public func exampleFolder(_ argument: String) throws(RunnerError) -> String {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        let asPath = URL(fileURLWithPath: argument).standardizedFileURL.path
        let asName = URL(fileURLWithPath: root).appendingPathComponent("kernels")
            .appendingPathComponent(argument).standardizedFileURL.path
        let folder: String
        if Self.isSceneTestFile(asPath) {
            // A scene test named by its file (its folder may hold several).
            if let character = Self.pathSyntax(in: asPath) {
                throw .pathSyntax(path: asPath, character: character)
            }
            return asPath
        } else if fm.fileExists(atPath: asPath, isDirectory: &isDir), isDir.boolValue {
            folder = asPath
        } else if !argument.contains("/"), fm.fileExists(atPath: asName, isDirectory: &isDir),
            isDir.boolValue
        {
            folder = asName
        } else {
            throw .exampleNotFound(argument: argument, looked: [asPath, asName])
        }
        if let character = Self.pathSyntax(in: folder) {
            throw .pathSyntax(path: folder, character: character)
        }
        let config = folder + "/kernels/kernel_config.py"
        if !fm.fileExists(atPath: config), Self.isSceneTest(folder) {
            return folder  // an upstream scene test: its test_*.py says everything
        }
        guard fm.fileExists(atPath: config) else {
            throw .exampleFileMissing(
                path: config,
                purpose: "an example needs kernels/kernel_config.py with ORCHESTRATION and KERNELS")
        }
        warnIfSkeleton(config: config)
        let golden = folder + "/golden.py"
        guard fm.fileExists(atPath: golden) else {
            throw .exampleFileMissing(
                path: golden, purpose: "an example needs golden.py with generate_inputs and compute_golden")
        }
        return folder
    }

    public var toolsDirectory: String { root + "/tools" }

    /// A scene test's own file: test_*.py, there.
    public static func isSceneTestFile(_ path: String) -> Bool {
        let name = URL(fileURLWithPath: path).lastPathComponent
        var isDir: ObjCBool = false
        return name.hasPrefix("test_") && name.hasSuffix(".py")
            && FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
    }

    /// The name output calls an example by: its folder's.
    public static func exampleName(_ path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return isSceneTestFile(path) ? url.deletingLastPathComponent().lastPathComponent : url.lastPathComponent
    }

    /// An upstream scene-test folder: a test_*.py and no kernels/kernel_config.py.
    public static func isSceneTest(_ folder: String) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.contains { $0.hasPrefix("test_") && $0.hasSuffix(".py") }
            && !FileManager.default.fileExists(atPath: folder + "/kernels/kernel_config.py")
    }

    /// A generated skeleton whose task-creation section is still unwritten
    /// builds but adds no tasks: say so before building.
    private func warnIfSkeleton(config: String) {
        let marker = "TODO_PTO_SKELETON"
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { return }
        let kernels = URL(fileURLWithPath: config).deletingLastPathComponent()
        let orchestration = kernels.appendingPathComponent("orchestration")
        let sources = (try? FileManager.default.contentsOfDirectory(atPath: orchestration.path)) ?? []
        for file in sources.sorted() where file.hasSuffix(".cpp") && text.contains(file) {
            let path = orchestration.appendingPathComponent(file).path
            if let source = try? String(contentsOfFile: path, encoding: .utf8), source.contains(marker) {
                Console.error(
                    "pto-run: warning: \(path) still contains \(marker): its task-creation section is unwritten; complete it and delete the marker"
                )
            }
        }
    }

    /// The first character of `path` that make or the shell would read as
    /// syntax (the same list tools/example_config.py and the Makefile
    /// refuse), named for a message; nil when there is none.
    static func pathSyntax(in path: String) -> String? {
        let names: [(Character, String)] = [
            (" ", "a space"), ("'", "a quote (')"), ("\"", "a double quote (\")"), ("#", "'#'"), ("$", "'$'"),
            ("%", "'%'"), (":", "':'"), (";", "';'"), ("\\", "a backslash"), ("*", "'*'"), ("?", "'?'"),
            ("[", "'['"), ("]", "']'"), ("`", "a backquote"), ("\n", "a newline"), ("\t", "a tab"),
            ("=", "'='"), ("|", "'|'"), ("&", "'&'"), ("(", "'('"), (")", "')'"), ("<", "'<'"), (">", "'>'"),
            (",", "a comma"),
        ]
        for (character, name) in names where path.contains(character) { return name }
        return nil
    }
}
