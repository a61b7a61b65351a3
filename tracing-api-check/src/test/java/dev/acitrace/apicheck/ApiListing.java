package dev.acitrace.apicheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Lists the public API of acitrace's modules from their compiled classes: every public type in a package
 * the module exports to everyone (qualified exports are not API), with every public and protected
 * constructor, method and field it declares, one signature per line, sorted, so that the listing is
 * stable across builds and JDKs and any change to it shows as a readable diff.
 */
final class ApiListing {

  private static final String PREFIX = "dev.acitrace.";
  /** This check's own (test-only) module, which is no API. */
  static final String SELF = "dev.acitrace.apicheck";

  private ApiListing() {}

  /**
   * The paths the running JVM was given: the module path (where Surefire puts the modules this check
   * requires) and the classpath (where they are when it runs there).
   */
  static String launchPaths() {
    return System.getProperty("jdk.module.path", "") + java.io.File.pathSeparator
        + System.getProperty("java.class.path", "");
  }

  /** Module name to listing text, for every acitrace module found on {@code paths} except this check's. */
  static Map<String, String> listModules(String paths, ClassLoader loader) {
    Map<String, String> listings = new TreeMap<>();
    for (String entry : paths.split(java.io.File.pathSeparator)) {
      if (entry.isEmpty()) {
        continue;
      }
      Path path = Path.of(entry);
      if (!Files.exists(path)) {
        continue;
      }
      ModuleDescriptor descriptor = descriptor(path);
      if (descriptor == null || !descriptor.name().startsWith(PREFIX) || descriptor.name().equals(SELF)) {
        continue;
      }
      listings.put(descriptor.name(), list(descriptor, path, loader));
    }
    return listings;
  }

  private static ModuleDescriptor descriptor(Path path) {
    try {
      Set<ModuleReference> found = ModuleFinder.of(path).findAll();
      if (found.size() != 1) {
        return null;
      }
      ModuleDescriptor d = found.iterator().next().descriptor();
      return d.isAutomatic() ? null : d;
    } catch (RuntimeException e) {
      return null; // not a module (a plain jar of a dependency that does not derive a name)
    }
  }

  static String list(ModuleDescriptor module, Path path, ClassLoader loader) {
    Set<String> packages =
        module.exports().stream()
            .filter(e -> !e.isQualified())
            .map(ModuleDescriptor.Exports::source)
            .collect(Collectors.toCollection(TreeSet::new));
    List<String> classNames = classNames(path, packages);
    List<String> blocks = new ArrayList<>();
    int types = 0;
    for (String name : classNames) {
      Class<?> type;
      try {
        type = Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalStateException("cannot load " + name + " from " + path, e);
      }
      if (!isApi(type)) {
        continue;
      }
      types++;
      blocks.add(describe(type, packages));
    }
    blocks.sort(null);
    StringBuilder out = new StringBuilder();
    out.append("# ")
        .append(module.name())
        .append(": ")
        .append(types)
        .append(" public types in exported packages ")
        .append(packages)
        .append('\n');
    out.append("# generated from the compiled classes by tracing-api-check; do not edit by hand\n");
    for (String block : blocks) {
      out.append('\n').append(block);
    }
    return out.toString();
  }

  private static List<String> classNames(Path root, Set<String> packages) {
    List<String> names = new ArrayList<>();
    try {
      if (Files.isDirectory(root)) {
        try (Stream<Path> files = Files.walk(root)) {
          files.filter(f -> f.toString().endsWith(".class"))
              .map(f -> root.relativize(f).toString().replace(java.io.File.separatorChar, '/'))
              .forEach(n -> addIfExported(n, packages, names));
        }
      } else {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
          jar.stream().map(java.util.jar.JarEntry::getName).forEach(n -> addIfExported(n, packages, names));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(root.toString(), e);
    }
    names.sort(null);
    return names;
  }

  private static void addIfExported(String file, Set<String> packages, List<String> names) {
    if (!file.endsWith(".class") || file.endsWith("module-info.class") || file.endsWith("package-info.class")
        || file.startsWith("META-INF/")) {
      return;
    }
    String name = file.substring(0, file.length() - ".class".length()).replace('/', '.');
    int lastDot = name.lastIndexOf('.');
    if (lastDot > 0 && packages.contains(name.substring(0, lastDot))) {
      names.add(name);
    }
  }

  /** Public top-level types, and public or protected member types of API types. */
  private static boolean isApi(Class<?> type) {
    if (type.isSynthetic() || type.isAnonymousClass() || type.isLocalClass()) {
      return false;
    }
    int mods = type.getModifiers();
    Class<?> enclosing = type.getDeclaringClass();
    if (enclosing == null) {
      return Modifier.isPublic(mods);
    }
    return (Modifier.isPublic(mods) || Modifier.isProtected(mods)) && isApi(enclosing);
  }

  private static String describe(Class<?> type, Set<String> exported) {
    StringBuilder block = new StringBuilder(header(type)).append('\n');
    TreeSet<String> members = new TreeSet<>();
    // public methods a type inherits from a superclass users cannot see (e.g. a builder base in an internal
    // package) are part of this type's API: list them as inherited
    for (Class<?> s = type.getSuperclass(); s != null && s != Object.class; s = s.getSuperclass()) {
      if (s.getPackageName().startsWith(PREFIX) && !exported.contains(s.getPackageName())) {
        for (Method m : s.getDeclaredMethods()) {
          if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
            members.add("(inherited) " + m.toGenericString());
          }
        }
      }
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (visible(c.getModifiers()) && !c.isSynthetic() && !type.isEnum()) {
        members.add(c.toGenericString());
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
        members.add(m.toGenericString());
      }
    }
    for (Field f : type.getDeclaredFields()) {
      if (visible(f.getModifiers()) && !f.isSynthetic()) {
        members.add(f.toGenericString());
      }
    }
    String own = " " + type.getTypeName() + ".";
    for (String member : members) {
      // "public int a.b.C.size()" reads as "public int size()" under its type's header
      block.append("  ").append(member.replace(own, " ")).append('\n');
    }
    return block.toString();
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  /** Modifiers, kind, name, type parameters, supertypes; built by hand so it reads the same on every JDK. */
  private static String header(Class<?> type) {
    StringBuilder h = new StringBuilder();
    int mods = type.getModifiers() & (type.isInterface() ? Modifier.interfaceModifiers() : Modifier.classModifiers());
    if (type.isInterface()) {
      mods &= ~Modifier.ABSTRACT;
    }
    if (type.isEnum() || type.isRecord()) {
      mods &= ~Modifier.FINAL;
    }
    String modifiers = Modifier.toString(mods);
    if (!modifiers.isEmpty()) {
      h.append(modifiers).append(' ');
    }
    if (type.isAnnotation()) {
      h.append("@interface ");
    } else if (type.isInterface()) {
      h.append("interface ");
    } else if (type.isEnum()) {
      h.append("enum ");
    } else if (type.isRecord()) {
      h.append("record ");
    } else {
      h.append("class ");
    }
    h.append(type.getName());
    TypeVariable<?>[] params = type.getTypeParameters();
    if (params.length > 0) {
      h.append('<');
      for (int i = 0; i < params.length; i++) {
        if (i > 0) {
          h.append(',');
        }
        h.append(params[i].getName());
        Type[] bounds = params[i].getBounds();
        if (!(bounds.length == 1 && bounds[0] == Object.class)) {
          h.append(" extends ");
          for (int b = 0; b < bounds.length; b++) {
            if (b > 0) {
              h.append(" & ");
            }
            h.append(bounds[b].getTypeName());
          }
        }
      }
      h.append('>');
    }
    Type superclass = type.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && !type.isEnum() && !type.isRecord()) {
      h.append(" extends ").append(superclass.getTypeName());
    }
    Type[] interfaces = type.getGenericInterfaces();
    if (interfaces.length > 0 && !type.isAnnotation()) {
      h.append(type.isInterface() ? " extends " : " implements ");
      for (int i = 0; i < interfaces.length; i++) {
        if (i > 0) {
          h.append(", ");
        }
        h.append(interfaces[i].getTypeName());
      }
    }
    return h.toString();
  }
}
